"""PyTorch models for the interop tests: state dicts as PyTorch saves them,
their outputs, and the same models exported by torch.onnx.

Run with Debian's PyTorch (python3-torch, for the system python3):
    /usr/bin/python3 scripts/make-interop-fixtures.py test/fixtures/interop/torch
Writes, per case:
    NAME.safetensors      the model's state_dict(), exactly what PyTorch saves
    NAME.io.safetensors   input and output (float32; outputs computed in float64
                          from the float32 weights), metadata: the case
    NAME.onnx             torch.onnx.export of the same model (opset 14)
The outputs are committed; tests never call PyTorch.
"""
import importlib.util
import json
import sys
from pathlib import Path

import torch

_spec = importlib.util.spec_from_file_location("make_fixtures", Path(__file__).with_name("make-fixtures.py"))
_mf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mf)
write_safetensors = _mf.write_safetensors


def _write(path, tensors, meta=None):
    """A plain state dict (no metadata, as PyTorch users save them), or inputs and outputs with the case."""
    write_safetensors(path, tensors, meta, key="case")


def rnn_module(mode, I, H, L, bidir, proj=0, nonlinearity="tanh"):
    kw = dict(num_layers=L, batch_first=True, bidirectional=bidir)
    if mode == "LSTM":
        return torch.nn.LSTM(I, H, proj_size=proj, **kw)
    if mode == "GRU":
        return torch.nn.GRU(I, H, **kw)
    return torch.nn.RNN(I, H, nonlinearity=nonlinearity, **kw)


class LM(torch.nn.Module):
    def __init__(self, mode, V, E, H, L, bidir, proj=0, names=("embedding", "rnn", "head")):
        super().__init__()
        self.names = names
        setattr(self, names[0], torch.nn.Embedding(V, E))
        setattr(self, names[1], rnn_module(mode, E, H, L, bidir, proj))
        out = (proj or H) * (2 if bidir else 1)
        setattr(self, names[2], torch.nn.Linear(out, V))

    def forward(self, tokens):
        e, r, h = (getattr(self, n) for n in self.names)
        out, _ = r(e(tokens))
        return h(out)


class Regressor(torch.nn.Module):
    def __init__(self, mode, I, H, L, bidir, O, names=("rnn", "head")):
        super().__init__()
        self.names = names
        setattr(self, names[0], rnn_module(mode, I, H, L, bidir))
        setattr(self, names[1], torch.nn.Linear(H * (2 if bidir else 1), O))

    def forward(self, x):
        r, h = (getattr(self, n) for n in self.names)
        out, _ = r(x)
        return h(out[:, -1])


def save_case(out, name, model, x, meta):
    model.eval()
    if not meta.get("proj"):  # ONNX's LSTM has no projection
        torch.onnx.export(model, (x,), str(out / f"{name}.onnx"), opset_version=14, input_names=["input"], output_names=["output"])
    _write(out / f"{name}.safetensors", model.state_dict())
    with torch.no_grad():
        y = model.double()(x if x.dtype == torch.int64 else x.double())
    _write(out / f"{name}.io.safetensors", {"input": x, "output": y}, meta)


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "test/fixtures/interop/torch")
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    V, E, H, B, T = 11, 5, 6, 3, 7
    seed = 0
    for mode in ("LSTM", "GRU", "RNN"):
        for bidir in (False, True):
            for L in (1, 2):
                seed += 1
                torch.manual_seed(seed)
                name = f"lm-{mode.lower()}-{'bi' if bidir else 'uni'}-{L}layer"
                model = LM(mode, V, E, H, L, bidir)
                x = torch.randint(0, V, (B, T))
                save_case(out, name, model, x, {"model": "LanguageModel", "mode": mode, "bidirectional": bidir, "layers": L})
    torch.manual_seed(100)
    model = LM("LSTM", V, E, H, 2, True, proj=3)
    save_case(out, "lm-lstm-proj-bi-2layer", model, torch.randint(0, V, (B, T)), {"model": "LanguageModel", "mode": "LSTM", "proj": 3})
    torch.manual_seed(101)
    model = Regressor("GRU", 4, H, 2, False, 2, names=("lstm", "fc"))
    save_case(out, "regressor-renamed-gru", model, torch.randn(B, T, 4), {"model": "SequenceRegressor", "rename": {"lstm": "rnn", "fc": "head"}})
    torch.manual_seed(102)
    model = rnn_module("RNN", 4, H, 2, True, nonlinearity="relu")

    class Bare(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, x):
            return self.m(x)[0]

    bare = Bare(model).eval()
    x = torch.randn(B, T, 4)
    torch.onnx.export(bare, (x,), str(out / "rnn-relu-bi-2layer.onnx"), opset_version=14, input_names=["input"], output_names=["output"])
    _write(out / "rnn-relu-bi-2layer.safetensors", model.state_dict())
    with torch.no_grad():
        y = model.double()(x.double())[0]
    _write(out / "rnn-relu-bi-2layer.io.safetensors", {"input": x, "output": y}, {"model": "RNN", "nonlinearity": "relu"})


if __name__ == "__main__":
    main()
