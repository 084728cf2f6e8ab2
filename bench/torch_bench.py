"""PyTorch on one benchmark workload (bench/workloads.ts), run by bench/run.ts
with Debian's python3-torch (/usr/bin/python3): prints one RESULT line, the
same shape as the JavaScript runners'. The same work as ours: training is
Embedding(V, 64) -> recurrent layer -> Linear, mean cross-entropy, global-norm
clipping at 5, Adam(2e-3); inference is one nn.LSTM over one-hot input under
no_grad; generation samples token by token (torch.multinomial) from the 2x256
model, or runs a beam search of width B batched over the beam.

    /usr/bin/python3 bench/torch_bench.py '<workload JSON>' <threads>
"""
import json
import resource
import sys
import time

import torch

w = json.loads(sys.argv[1])
threads = int(sys.argv[2])
torch.set_num_threads(threads)
torch.manual_seed(1)
B, T, V, H, L = w["batch"], w["seqLen"], w["vocab"], w["hidden"], w.get("layers", 1)
RNN = {"LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU, "RNN_TANH": torch.nn.RNN}[w["cell"]]


class LM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(V, 64)
        self.rnn = RNN(64, H, num_layers=L, batch_first=True)
        self.head = torch.nn.Linear(H, V)

    def forward(self, x, state=None):
        out, state = self.rnn(self.embedding(x), state)
        return self.head(out), state


def median_seconds(run, runs):
    """bench/workloads.ts medianSeconds: a warm-up of >= 3 runs and 2 s, then >= runs timed runs and 3 s."""
    t0 = time.perf_counter()
    i = 0
    while i < 3 or (time.perf_counter() - t0 < 2 and i < 100):
        run()
        i += 1
    times = []
    t00 = time.perf_counter()
    while len(times) < max(3, runs) or (time.perf_counter() - t00 < 3 and len(times) < 300):
        a = time.perf_counter()
        run()
        times.append(time.perf_counter() - a)
    times.sort()
    return times[len(times) // 2], len(times)


if w["kind"] == "train":
    m = LM()
    opt = torch.optim.Adam(m.parameters(), lr=2e-3)
    x = torch.randint(0, V, (B, T))
    y = torch.randint(0, V, (B * T,))

    def run():
        opt.zero_grad()
        logits, _ = m(x)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), 5.0)
        opt.step()
    work, runs = B * T, 5
elif w["kind"] == "infer":
    lstm = torch.nn.LSTM(V, H, batch_first=True).eval()
    x = torch.randn(B, T, V)

    def run():
        with torch.no_grad():
            lstm(x)
    work, runs = B * T, 7
elif w["kind"] == "generate":
    m = LM().eval()

    def run():
        with torch.no_grad():
            token = torch.zeros(1, 1, dtype=torch.long)
            state = None
            for _ in range(T):
                logits, state = m(token, state)
                token = torch.multinomial(torch.softmax(logits[0, -1], -1), 1).view(1, 1)
    work, runs = T, 5
else:  # beam: the hypotheses are the rows of one batch
    m = LM().eval()

    def run():
        with torch.no_grad():
            logits, state = m(torch.zeros(1, 1, dtype=torch.long))
            scores = torch.zeros(1)
            logp = torch.log_softmax(logits[:, -1], -1)
            for _ in range(T):
                cand = (scores[:, None] + logp).reshape(-1)
                top = torch.topk(cand, B).indices
                rows, tokens = top // V, top % V
                scores = cand[top]
                state = tuple(s[:, rows] for s in state) if isinstance(state, tuple) else state[:, rows]
                logits, state = m(tokens.view(-1, 1), state)
                logp = torch.log_softmax(logits[:, -1], -1)
    work, runs = T, 5

median, n = median_seconds(run, runs)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print("RESULT " + json.dumps({"workload": w["id"], "library": "PyTorch", "backend": f"CPU (torch {torch.__version__})", "threads": threads,
                              "charsPerSec": work / median, "peakRssMB": peak, "runs": n}))
