"""Extra PyTorch reference fixtures, in the format of shared/fixtures/README.md.

Run with Debian's PyTorch (python3-torch, for the system python3):
    /usr/bin/python3 scripts/make-fixtures.py test/fixtures/torch-extra
The outputs are committed; tests never call PyTorch.
Inputs and weights are float32; references are computed in float64 from exactly
those values and stored as float32, like the shared fixtures.
"""
import json
import struct
import sys
from pathlib import Path

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


def write_safetensors(path, tensors, meta, key="fixture"):
    """Writes float32/int64 tensors; `meta` (if not None) goes into the metadata under `key`, as JSON."""
    header = {} if meta is None else {"__metadata__": {key: json.dumps(meta, sort_keys=True)}}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        if t.dtype in (torch.float32, torch.float64):
            b = t.to(torch.float32).numpy().tobytes()
            dtype = "F32"
        else:
            b = t.to(torch.int64).numpy().tobytes()
            dtype = "I64"
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def rnn_case(out, name, mode, I, H, L, B, T, batch_first, bidir, bias=True, proj=0, lengths=None, seed=0):
    torch.manual_seed(seed)
    D = 2 if bidir else 1
    kw = dict(input_size=I, hidden_size=H, num_layers=L, bias=bias, batch_first=batch_first, bidirectional=bidir)
    if mode == "LSTM":
        m = torch.nn.LSTM(proj_size=proj, **kw)
    elif mode == "GRU":
        m = torch.nn.GRU(**kw)
    else:
        m = torch.nn.RNN(nonlinearity="tanh" if mode == "RNN_TANH" else "relu", **kw)
    P = proj or H
    x = torch.randn(B, T, I) if batch_first else torch.randn(T, B, I)
    h0 = torch.randn(L * D, B, P)
    c0 = torch.randn(L * D, B, H)
    params32 = {n: p.detach().clone() for n, p in m.named_parameters()}
    m = m.double()
    xd = x.double().requires_grad_()
    h0d = h0.double().requires_grad_()
    c0d = c0.double().requires_grad_()
    state = (h0d, c0d) if mode == "LSTM" else h0d
    if lengths is not None:
        packed = pack_padded_sequence(xd, torch.tensor(lengths), batch_first=batch_first, enforce_sorted=False)
        y, st = m(packed, state)
        y, _ = pad_packed_sequence(y, batch_first=batch_first)
    else:
        y, st = m(xd, state)
    hn, cn = (st if mode == "LSTM" else (st, None))
    gy = torch.randn(y.shape, dtype=torch.float64)
    ghn = torch.randn(hn.shape, dtype=torch.float64)
    loss = (y * gy).sum() + (hn * ghn).sum()
    gcn = None
    if mode == "LSTM":
        gcn = torch.randn(cn.shape, dtype=torch.float64)
        loss = loss + (cn * gcn).sum()
    loss.backward()
    t = dict(params32)
    t["input"] = x
    t["h0"] = h0
    if mode == "LSTM":
        t["c0"] = c0
    if lengths is not None:
        t["lengths"] = torch.tensor(lengths, dtype=torch.int64)
    t["output"] = y
    t["h_n"] = hn
    if mode == "LSTM":
        t["c_n"] = cn
    t["grad_output"] = gy
    t["grad_h_n"] = ghn
    if mode == "LSTM":
        t["grad_c_n"] = gcn
    t["grad.input"] = xd.grad
    t["grad.h0"] = h0d.grad
    if mode == "LSTM":
        t["grad.c0"] = c0d.grad
    for n, p in m.named_parameters():
        t["grad." + n] = p.grad
    meta = dict(kind="rnn", mode=mode, input_size=I, hidden_size=H, num_layers=L, bias=bias, batch_first=batch_first,
                bidirectional=bidir, proj_size=proj if mode == "LSTM" else 0, packed=lengths is not None,
                loss="sum(output*grad_output)+sum(h_n*grad_h_n)" + ("+sum(c_n*grad_c_n)" if mode == "LSTM" else ""))
    write_safetensors(out / f"{name}.safetensors", t, meta)


class LM(torch.nn.Module):
    def __init__(self, mode, V, E, H, L, proj):
        super().__init__()
        self.embedding = torch.nn.Embedding(V, E)
        if mode == "LSTM":
            self.rnn = torch.nn.LSTM(E, H, L, batch_first=True, proj_size=proj)
        elif mode == "GRU":
            self.rnn = torch.nn.GRU(E, H, L, batch_first=True)
        else:
            self.rnn = torch.nn.RNN(E, H, L, batch_first=True, nonlinearity="tanh" if mode == "RNN_TANH" else "relu")
        self.head = torch.nn.Linear(proj or H, V)

    def forward(self, x):
        y, _ = self.rnn(self.embedding(x))
        return self.head(y)


def train_case(out, name, mode, V, E, H, L, B, T, steps, opt, clip, proj=0, seed=0):
    torch.manual_seed(seed)
    m = LM(mode, V, E, H, L, proj)
    inputs = torch.randint(0, V, (B, T))
    targets = torch.randint(0, V, (B, T))
    t = {"inputs": inputs, "targets": targets}
    for n, p in m.named_parameters():
        t["initial." + n] = p.detach().clone()
    m = m.double()
    kw = {k: v for k, v in opt.items() if k != "name"}
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
           "rmsprop": torch.optim.RMSprop, "adagrad": torch.optim.Adagrad}[opt["name"]]
    o = cls(m.parameters(), **kw)
    losses, norms = [], []
    for _ in range(steps):
        o.zero_grad()
        logits = m(inputs)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))
        loss.backward()
        losses.append(loss.item())
        if clip is not None:
            norms.append(float(torch.nn.utils.clip_grad_norm_(m.parameters(), clip["max_norm"])))
        else:
            norms.append(0.0)
        o.step()
    for n, p in m.named_parameters():
        t["final." + n] = p.detach()
    t["losses"] = torch.tensor(losses)
    t["grad_norms"] = torch.tensor(norms)
    meta = dict(kind="train", mode=mode, vocab_size=V, embedding_size=E, hidden_size=H, num_layers=L, steps=steps,
                optimizer=opt, clip_grad_norm=clip,
                model="embedding -> rnn(batch_first, zero initial state) -> linear; loss = mean cross-entropy over all B*T targets")
    if proj:
        meta["proj_size"] = proj
    write_safetensors(out / f"{name}.safetensors", t, meta)


def scheduler_cases(out):
    """Learning rates PyTorch's schedulers give over 12 epochs (lr before each step, then after)."""
    def run(make, metrics=None):
        p = torch.nn.Parameter(torch.zeros(1))
        o = torch.optim.SGD([p], lr=0.5)
        s = make(o)
        lrs = []
        for e in range(12):
            o.step()
            if metrics is None:
                s.step()
            else:
                s.step(metrics[e])
            lrs.append(o.param_groups[0]["lr"])
        return lrs
    metrics = [1.0, 0.9, 0.95, 0.95, 0.96, 0.97, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6]
    cases = {
        "StepLR(stepSize=3,gamma=0.5)": run(lambda o: torch.optim.lr_scheduler.StepLR(o, 3, 0.5)),
        "ExponentialLR(gamma=0.9)": run(lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.9)),
        "CosineAnnealingLR(tMax=10,etaMin=0.01)": run(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 10, 0.01)),
        "ReduceLROnPlateau(factor=0.5,patience=2,cooldown=1)": run(
            lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, factor=0.5, patience=2, cooldown=1), metrics),
    }
    (out / "schedulers.json").write_text(json.dumps({"initial_lr": 0.5, "metrics": metrics, "cases": cases}, indent=1) + "\n")


def adaptive_case(out, name, in_features, n_classes, cutoffs, N, div_value=4.0, head_bias=False, seed=0):
    """kind = adaptive_softmax: torch.nn.AdaptiveLogSoftmaxWithLoss, forward (output, loss, log_prob, predict) and the loss's gradients."""
    torch.manual_seed(seed)
    m = torch.nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, cutoffs, div_value=div_value, head_bias=head_bias)
    x = torch.randn(N, in_features)
    # Targets from every cluster, the shortlist most often (as word frequencies fall).
    target = torch.cat([torch.randint(0, cutoffs[0], (N - N // 2,)), torch.randint(cutoffs[0], n_classes, (N // 2,))])[torch.randperm(N)]
    params32 = {n: p.detach().clone() for n, p in m.named_parameters()}
    m = m.double()
    xd = x.double().requires_grad_()
    res = m(xd, target)
    res.loss.backward()
    tensors = dict(params32)
    tensors.update({"input": x, "target": target, "output": res.output, "loss": res.loss.reshape(1),
                    "log_prob": m.log_prob(xd).detach(), "predict": m.predict(xd.detach()), "grad.input": xd.grad})
    for n, p in m.named_parameters():
        tensors["grad." + n] = p.grad
    meta = {"kind": "adaptive_softmax", "in_features": in_features, "n_classes": n_classes, "cutoffs": cutoffs,
            "div_value": div_value, "head_bias": head_bias}
    write_safetensors(out / f"{name}.safetensors", tensors, meta)


def ctc_case(out, name, T, N, C, target_lengths, input_lengths, blank=0, reduction="mean", zero_infinity=False,
             concatenated=False, repeats=False, impossible=(), seed=0):
    """kind = ctc: torch.nn.functional.ctc_loss on log_softmax(logits), the loss and d(loss)/d(logits).
    `impossible`: sequences whose target gets more labels than its input has steps (with zero_infinity)."""
    torch.manual_seed(seed)
    logits = torch.randn(T, N, C) * 2
    S = max(max(target_lengths), 1)
    classes = [k for k in range(C) if k != blank]
    targets = torch.tensor(classes)[torch.randint(0, len(classes), (N, S))]
    if repeats:  # runs of the same label, which need a blank between them
        targets[:, 1::3] = targets[:, 0::3][:, :targets[:, 1::3].shape[1]]
    lengths = list(target_lengths)
    for n in impossible:
        lengths[n] = S
    tl = torch.tensor(lengths)
    il = torch.tensor(input_lengths)
    x = logits.double().requires_grad_()
    tgt = torch.cat([targets[n, :lengths[n]] for n in range(N)]) if concatenated else targets
    loss = torch.nn.functional.ctc_loss(torch.log_softmax(x, 2), tgt, il, tl, blank=blank, reduction=reduction, zero_infinity=zero_infinity)
    tensors = {"logits": logits, "targets": tgt, "input_lengths": il, "target_lengths": tl}
    if reduction == "none":
        grad_loss = torch.rand(N) + 0.5
        (loss * grad_loss).sum().backward()
        tensors["grad_loss"] = grad_loss
    else:
        loss.backward()
    tensors.update({"loss": loss.detach().reshape(-1), "grad.logits": x.grad})
    meta = {"kind": "ctc", "blank": blank, "reduction": reduction, "zero_infinity": zero_infinity}
    write_safetensors(out / f"{name}.safetensors", tensors, meta)


def conv_case(out, name, N, Cin, Cout, H, W, kernel, stride, padding, dilation, bias=True, relu=False, pool=None, seed=0):
    """kind = conv2d: conv2d, then relu and max_pool2d when asked; output and the gradients of sum(output * grad_output).
    Sizes go into the metadata as given (an int or [h, w]), as PyTorch takes both."""
    torch.manual_seed(seed)
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    weight = torch.randn(Cout, Cin, kh, kw) * 0.5
    b = torch.randn(Cout) * 0.5 if bias else None
    x = torch.randn(N, Cin, H, W)
    xd, wd = x.double().requires_grad_(), weight.double().requires_grad_()
    bd = b.double().requires_grad_() if bias else None
    y = torch.nn.functional.conv2d(xd, wd, bd, stride=stride, padding=padding, dilation=dilation)
    if relu:
        y = torch.relu(y)
    if pool is not None:
        y = torch.nn.functional.max_pool2d(y, pool["kernel_size"], stride=pool.get("stride"), padding=pool.get("padding", 0), dilation=pool.get("dilation", 1))
    g = torch.randn(y.shape)
    (y * g.double()).sum().backward()
    tensors = {"weight": weight, "input": x, "output": y.detach(), "grad_output": g, "grad.input": xd.grad, "grad.weight": wd.grad}
    if bias:
        tensors.update({"bias": b, "grad.bias": bd.grad})
    meta = {"kind": "conv2d", "in_channels": Cin, "out_channels": Cout, "kernel_size": kernel, "stride": stride, "padding": padding,
            "dilation": dilation, "bias": bias, "relu": relu, "pool": pool}
    write_safetensors(out / f"{name}.safetensors", tensors, meta)


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "test/fixtures/torch-extra")
    out.mkdir(parents=True, exist_ok=True)
    scheduler_cases(out)
    rnn_case(out, "lstm_proj_bidir_timefirst", "LSTM", 5, 7, 2, 3, 6, False, True, proj=4, seed=1)
    rnn_case(out, "lstm_packed_bidir_proj", "LSTM", 4, 6, 2, 4, 7, True, True, proj=3, lengths=[3, 7, 1, 5], seed=2)
    rnn_case(out, "lstm_packed_short", "LSTM", 3, 5, 1, 3, 6, True, False, lengths=[4, 2, 3], seed=3)
    rnn_case(out, "gru_nobias_packed", "GRU", 4, 5, 1, 3, 5, False, False, bias=False, lengths=[5, 2, 4], seed=4)
    rnn_case(out, "rnn_tanh_packed_bidir", "RNN_TANH", 3, 6, 2, 3, 6, True, True, lengths=[6, 1, 4], seed=5)
    rnn_case(out, "rnn_relu_2layer_bidir_timefirst", "RNN_RELU", 4, 5, 2, 2, 5, False, True, seed=6)
    train_case(out, "train_rnn_tanh_rmsprop_centered", "RNN_TANH", 7, 4, 9, 2, 2, 6, 4,
               {"name": "rmsprop", "lr": 0.01, "alpha": 0.9, "momentum": 0.5, "centered": True, "weight_decay": 0.01}, {"max_norm": 1.0}, seed=7)
    train_case(out, "train_gru_adamw_clip", "GRU", 8, 5, 8, 2, 3, 5, 3,
               {"name": "adamw", "lr": 0.02, "betas": [0.8, 0.99], "weight_decay": 0.1}, {"max_norm": 0.3}, seed=8)
    train_case(out, "train_lstm_adagrad", "LSTM", 6, 4, 7, 1, 2, 6, 3,
               {"name": "adagrad", "lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1, "weight_decay": 0.001}, None, seed=9)
    train_case(out, "train_rnn_relu_sgd_nesterov", "RNN_RELU", 5, 3, 6, 1, 4, 4, 4,
               {"name": "sgd", "lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}, None, seed=10)
    train_case(out, "train_lstm_proj_adam_amsgrad", "LSTM", 9, 5, 8, 2, 2, 5, 3,
               {"name": "adam", "lr": 0.01, "amsgrad": True, "weight_decay": 0.01}, {"max_norm": 2.0}, proj=4, seed=11)
    train_case(out, "train_gru_sgd_dampening", "GRU", 6, 4, 5, 1, 2, 5, 3,
               {"name": "sgd", "lr": 0.2, "momentum": 0.8, "dampening": 0.3}, None, seed=12)
    adaptive_case(out, "adaptive_softmax_two_clusters", 16, 50, [10, 30], 40, seed=13)
    adaptive_case(out, "adaptive_softmax_head_bias_div2", 12, 33, [5, 9, 20], 25, div_value=2.0, head_bias=True, seed=14)
    adaptive_case(out, "adaptive_softmax_one_cluster", 8, 21, [20], 7, div_value=3.0, seed=15)
    ctc_case(out, "ctc_zero_infinity_impossible", 6, 3, 5, [2, 3, 1], [6, 6, 2], reduction="mean", zero_infinity=True, impossible=(2,), seed=16)
    ctc_case(out, "ctc_empty_target_short_inputs", 9, 4, 6, [0, 3, 2, 0], [9, 5, 7, 1], reduction="sum", seed=17)
    ctc_case(out, "ctc_concatenated_none_blank_middle", 10, 3, 7, [4, 2, 5], [10, 8, 9], blank=3, reduction="none", concatenated=True, seed=18)
    ctc_case(out, "ctc_long_repeats", 60, 4, 29, [12, 20, 7, 15], [60, 55, 30, 48], reduction="mean", repeats=True, seed=19)
    conv_case(out, "conv2d_dilated_nobias_rect", 2, 3, 4, 9, 11, [3, 2], [1, 2], [2, 1], [2, 3], bias=False, seed=20)
    conv_case(out, "conv2d_relu_pool_padded", 3, 2, 3, 10, 8, 3, 1, 1, 1, relu=True, pool={"kernel_size": 3, "stride": 2, "padding": 1}, seed=21)
    conv_case(out, "conv2d_1x1_pool_dilated", 2, 4, 2, 7, 7, 1, 1, 0, 1, pool={"kernel_size": [2, 3], "stride": [1, 2], "dilation": 2}, seed=22)
    conv_case(out, "conv2d_stride3_relu", 1, 1, 6, 12, 13, 5, 3, 2, 1, relu=True, seed=23)


if __name__ == "__main__":
    main()
