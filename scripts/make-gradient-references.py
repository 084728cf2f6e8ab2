#!/usr/bin/python3
"""PyTorch references for gradients through time (test/gradients.test.ts).

Writes test/reference/gradients-through-time.json: for a few small RNN, LSTM
and GRU modules (several layers, both directions, both layouts), the weights,
an input x, a probe p (the loss is sum(p * output)), and what autograd gives:
the output, dL/dh_t of every step, layer and direction (the whole gradient,
through the layer above and through step t+1: the network is unrolled with
nn.*Cell on the same weights and every h_t keeps its grad), and the
connectivity ||d y_t / d x_s|| of the first sequence, from the full Jacobian
and read through the probe. Run with Debian's python3-torch:
    /usr/bin/python3 scripts/make-gradient-references.py
"""
import json
import torch

torch.manual_seed(7)
torch.set_default_dtype(torch.float64)  # references in double; the library runs float32


def unrolled(mod, kind, x, batch_first):
    """The module's output and the h_t of every step, layer and direction, by cells."""
    if batch_first:
        x = x.transpose(0, 1)
    T, B, _ = x.shape
    L, D, H = mod.num_layers, 2 if mod.bidirectional else 1, mod.hidden_size
    cell_cls = {'LSTM': torch.nn.LSTMCell, 'GRU': torch.nn.GRUCell, 'RNN_TANH': torch.nn.RNNCell}[kind]
    states = []
    gates_all = []
    cells_all = []
    inp = x
    for l in range(L):
        outs = []
        for d in range(D):
            sfx = f'_l{l}' + ('_reverse' if d == 1 else '')
            cell = cell_cls(inp.shape[2], H)
            with torch.no_grad():
                for n in ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']:
                    getattr(cell, n).copy_(getattr(mod, n + sfx))
            h = torch.zeros(B, H)
            c = torch.zeros(B, H)
            hs = [None] * T
            gs = [None] * T
            cs = [None] * T
            for t in (range(T) if d == 0 else range(T - 1, -1, -1)):
                gs[t] = gate_activations(kind, cell, inp[t].detach(), h.detach())
                if kind == 'LSTM':
                    h, c = cell(inp[t], (h, c))
                else:
                    h = cell(inp[t], h)
                h.retain_grad()
                hs[t] = h
                cs[t] = c.detach()
            states.append(hs)
            gates_all.append(gs)
            cells_all.append(cs)
            outs.append(torch.stack(hs))
        inp = torch.cat(outs, dim=2)
    out = inp.transpose(0, 1) if batch_first else inp
    return out, states, gates_all, cells_all


def gate_activations(kind, cell, x, h):
    """The gates a traced forward records: LSTM i,f,g,o; GRU r,z,n; none for the plain RNN."""
    if kind == 'RNN_TANH':
        return None
    with torch.no_grad():
        return _gates(kind, cell, x, h)


def _gates(kind, cell, x, h):
    gi = x @ cell.weight_ih.T + cell.bias_ih
    gh = h @ cell.weight_hh.T + cell.bias_hh
    if kind == 'LSTM':
        i, f, g, o = (gi + gh).chunk(4, dim=1)
        return torch.cat([i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()], dim=1)
    if kind == 'GRU':
        ir, iz, inn = gi.chunk(3, dim=1)
        hr, hz, hn = gh.chunk(3, dim=1)
        r = (ir + hr).sigmoid()
        return torch.cat([r, (iz + hz).sigmoid(), (inn + r * hn).tanh()], dim=1)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1)]


def case(name, kind, I, H, L, bidirectional, batch_first, T, B):
    ctor = {'LSTM': torch.nn.LSTM, 'GRU': torch.nn.GRU, 'RNN_TANH': torch.nn.RNN}[kind]
    mod = ctor(I, H, num_layers=L, bidirectional=bidirectional, batch_first=batch_first)
    x = torch.randn((B, T, I) if batch_first else (T, B, I), requires_grad=True)
    ref_out = mod(x)[0]
    out, states, gates, cells = unrolled(mod, kind, x, batch_first)
    assert torch.allclose(out, ref_out, atol=1e-12), 'the unrolled cells must match the module'
    probe = torch.randn(out.shape)
    (out * probe).sum().backward()
    grad_states = [flat(torch.stack([h.grad for h in hs])) for hs in states]  # (T,B,H) each

    # Connectivity of the first sequence: the Jacobian of y (T,O) with respect to x (T,I).
    x0 = x.detach()[0:1] if batch_first else x.detach()[:, 0:1]
    f = lambda z: mod(z)[0].reshape(T, -1)
    J = torch.autograd.functional.jacobian(f, x0).reshape(T, -1, T, I)  # (t, o, s, i)
    full = J.pow(2).sum(dim=(1, 3)).sqrt()
    p0 = (probe[0] if batch_first else probe[:, 0]).reshape(T, -1)  # (t, o)
    through = torch.einsum('to,tosi->tsi', p0, J).pow(2).sum(dim=2).sqrt()
    return {
        'name': name, 'kind': kind, 'inputSize': I, 'hiddenSize': H, 'numLayers': L, 'bidirectional': bidirectional,
        'batchFirst': batch_first, 'T': T, 'B': B,
        'stateDict': {k: {'shape': list(v.shape), 'data': flat(v)} for k, v in mod.state_dict().items()},
        'x': flat(x), 'probe': flat(probe), 'output': flat(out),
        'gradStates': grad_states,
        # what a traced forward records, (T,B,G*H) and (T,B,H) per layer-direction
        'traceGates': [flat(torch.stack(g)) for g in gates] if kind != 'RNN_TANH' else None,
        'traceCells': [flat(torch.stack(c)) for c in cells] if kind == 'LSTM' else None,
        'connectivity': flat(full), 'connectivityProbe': flat(through),
    }


cases = [
    case('lstm-2-layers-bidirectional', 'LSTM', 3, 4, 2, True, False, 6, 2),
    case('gru-batch-first', 'GRU', 3, 5, 1, False, True, 7, 2),
    case('rnn-2-layers', 'RNN_TANH', 2, 4, 2, False, False, 8, 1),
    case('lstm-batch-first-long', 'LSTM', 2, 3, 1, False, True, 20, 3),
]
with open('test/reference/gradients-through-time.json', 'w') as fh:
    json.dump({'generator': 'scripts/make-gradient-references.py', 'torch': torch.__version__, 'cases': cases}, fh)
print(f'wrote {len(cases)} cases')
