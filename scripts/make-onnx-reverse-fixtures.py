#!/usr/bin/python3
"""Recurrent ONNX nodes with direction="reverse", built with Debian's python3-onnx
(onnx.helper, independent of this library's writer), for test/onnx-reverse.test.ts:

    test/fixtures/onnx-reverse/<op>-<case>.onnx

Each holds one LSTM, GRU or RNN node whose weights (W, R, B; P for the
peephole LSTM) are initializers drawn from a fixed seed; X, sequence_lens and
initial_h (initial_c) are graph inputs, so the test feeds the same values to
this library and to onnxruntime and compares Y, Y_h (and Y_c). Cases: time-major
(layout 0) and batch-major (layout 1, with the time-major case's weights: onnxruntime
runs layout 0 only, so the test compares it through that case); the GRU with linear_before_reset 0 and
1; the RNN with Tanh and Relu. The checker (onnx.checker, full) accepts each.

Run: /usr/bin/python3 scripts/make-onnx-reverse-fixtures.py
"""
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = Path(__file__).resolve().parent.parent / "test" / "fixtures" / "onnx-reverse"
I, H = 3, 4
GATES = {"LSTM": 4, "GRU": 3, "RNN": 1}


def case(op: str, name: str, seed: int, layout: int = 0, **attrs) -> None:
    rng = np.random.default_rng(seed)
    g = GATES[op]
    inits = [
        numpy_helper.from_array(rng.uniform(-0.6, 0.6, (1, g * H, I)).astype(np.float32), "W"),
        numpy_helper.from_array(rng.uniform(-0.6, 0.6, (1, g * H, H)).astype(np.float32), "R"),
        numpy_helper.from_array(rng.uniform(-0.3, 0.3, (1, 2 * g * H)).astype(np.float32), "B"),
    ]
    inputs = ["X", "W", "R", "B", "sequence_lens", "initial_h"]
    outputs = ["Y", "Y_h"]
    state = ["batch", 1, H] if layout == 1 else [1, "batch", H]
    graph_inputs = [
        helper.make_tensor_value_info("X", TensorProto.FLOAT, ["batch", "time", I] if layout == 1 else ["time", "batch", I]),
        helper.make_tensor_value_info("sequence_lens", TensorProto.INT32, ["batch"]),
        helper.make_tensor_value_info("initial_h", TensorProto.FLOAT, state),
    ]
    graph_outputs = [
        helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["batch", "time", 1, H] if layout == 1 else ["time", 1, "batch", H]),
        helper.make_tensor_value_info("Y_h", TensorProto.FLOAT, state),
    ]
    if op == "LSTM":
        inputs.append("initial_c")
        graph_inputs.append(helper.make_tensor_value_info("initial_c", TensorProto.FLOAT, state))
        outputs.append("Y_c")
        graph_outputs.append(helper.make_tensor_value_info("Y_c", TensorProto.FLOAT, state))
        if attrs.pop("peepholes", False):
            inputs.append("P")
            inits.append(numpy_helper.from_array(rng.uniform(-0.5, 0.5, (1, 3 * H)).astype(np.float32), "P"))
    node = helper.make_node(op, inputs, outputs, hidden_size=H, direction="reverse", **({"layout": layout} if layout else {}), **attrs)
    model = helper.make_model(
        helper.make_graph([node], f"{op.lower()}_{name}", graph_inputs, graph_outputs, inits),
        opset_imports=[helper.make_opsetid("", 14)],
        producer_name="make-onnx-reverse-fixtures.py",
    )
    model.ir_version = 7
    onnx.checker.check_model(model, full_check=True)
    OUT.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(OUT / f"{op.lower()}-{name}.onnx"))


case("LSTM", "time-major", 1)
case("LSTM", "batch-major", 1, layout=1)  # the time-major case's weights: onnxruntime runs layout 0 only
case("LSTM", "peepholes", 3, peepholes=True)
case("GRU", "reset-first", 4)
case("GRU", "linear-before-reset", 5, linear_before_reset=1)
case("RNN", "tanh", 6)
case("RNN", "relu", 7, activations=["Relu"])
print(f"wrote {len(list(OUT.glob('*.onnx')))} files to {OUT}")
