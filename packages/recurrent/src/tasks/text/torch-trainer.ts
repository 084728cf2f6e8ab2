/**
 * Training past one machine on an existing engine: a text model's resume
 * point written as a PyTorch DistributedDataParallel run, for `torchrun`
 * (one process per device or machine; gloo on CPUs, nccl on GPUs). The
 * script continues the run exactly where ours stopped: the latest weights,
 * Adam's moments under PyTorch's parameter names (torch.optim.Adam's
 * exp_avg / exp_avg_sq, at our step count), the carried state of every
 * stream, and the same chunks in the same order (TokenStreams: B contiguous
 * streams read T tokens at a time, the state reset at each pass). Each
 * process reads B / world of the streams; DDP's gradient average over the
 * processes is then the mean over all B, which is our step. It writes the
 * trained weights as safetensors that `recurrent import --from torch` reads.
 * Browser-safe: it returns the files' contents.
 */
import { ConfigError } from '../../errors.js';
import { torchModuleSource } from '../../interop/torch.js';
import { type WritableTensor, serializeSafetensors } from '../../io/safetensors.js';
import { Adam, AdamW, createOptimizer } from '../../optim/optimizers.js';
import { Tensor } from '../../tensor/tensor.js';
import type { TextGenerator } from './generator.js';

/** The trainer's folder: file name -> contents. */
export type TorchTrainerFiles = Record<string, Uint8Array>;

/** What trainer.json holds (read by train_ddp.py). */
export interface TorchTrainerSettings {
  step: number;
  batch: number;
  seqLen: number;
  chunksPerEpoch: number;
  lr: number;
  clip: number;
  optimizer: 'adam' | 'adamw';
  betas: [number, number];
  eps: number;
  weightDecay: number;
  optimizerStep: number;
  cell: string;
  /** steps the script takes unless told otherwise: to the end the run was set to reach, or 100 */
  defaultSteps: number;
}

/**
 * The files of a DDP training run that continues `g` (loaded with resume)
 * on `text`, its training text: train_ddp.py, model_torch.py (the module),
 * trainer.json and trainer_state.safetensors. Throws ConfigError for what
 * it cannot carry over: no checkpoint, an optimiser other than Adam/AdamW,
 * an adaptive softmax.
 */
export async function torchTrainerFiles(g: TextGenerator, text: string, source = 'model'): Promise<TorchTrainerFiles> {
  const point = await g.resumePoint(text);
  if (!point) throw new ConfigError(`${source}: no checkpoint to continue from (train it with recurrent train first; the checkpoint holds the optimiser's state)`);
  const { options: o } = point;
  if (o.optimizer !== 'adam' && o.optimizer !== 'adamw') throw new ConfigError(`${source}: trained with ${o.optimizer}; the PyTorch trainer carries Adam and AdamW state over`);
  if (g.model.config.adaptive) throw new ConfigError(`${source}: an adaptive softmax; the PyTorch trainer covers models with a full softmax`);
  const probe = createOptimizer(o.optimizer, g.model.parameters(), { lr: o.lr });
  if (!(probe instanceof Adam)) throw new ConfigError(`${source}: ${o.optimizer} is not an Adam optimiser`);
  const named = g.model.namedParameters();
  const tensors: Record<string, WritableTensor> = { train_ids: { dtype: 'I32', shape: [point.trainIds.length], data: point.trainIds } };
  for (const [name, p] of named) tensors[`model.${name}`] = new Tensor(p.data.slice(), p.shape);
  const buffers = point.optimizer?.buffers ?? {};
  for (const key of ['exp_avg', 'exp_avg_sq']) {
    const list = buffers[key];
    if (!list) continue;
    named.forEach(([name, p], i) => { tensors[`${key}.${name}`] = new Tensor(list[i]!, p.shape); });
  }
  if (point.carried) {
    tensors['carried.h'] = point.carried.h;
    if (point.carried.c) tensors['carried.c'] = point.carried.c;
  }
  const target = g.resumeSettings?.target.stopAt ?? null;
  const settings: TorchTrainerSettings = {
    step: point.step, batch: o.batch, seqLen: o.seqLen, chunksPerEpoch: point.chunksPerEpoch, lr: o.lr, clip: o.clip,
    optimizer: probe instanceof AdamW ? 'adamw' : 'adam', betas: [probe.beta1, probe.beta2], eps: probe.eps, weightDecay: probe.weightDecay,
    optimizerStep: point.optimizer?.step ?? 0, cell: g.model.rnn.kind, defaultSteps: target !== null && target > point.step ? target - point.step : 100,
  };
  const enc = new TextEncoder();
  return {
    'train_ddp.py': enc.encode(TRAINER_SOURCE),
    'model_torch.py': enc.encode(torchModuleSource(g.model, 'weights.safetensors')),
    'trainer.json': enc.encode(`${JSON.stringify(settings, null, 1)}\n`),
    'trainer_state.safetensors': serializeSafetensors(tensors, { format: 'pt' }),
  };
}

const TRAINER_SOURCE = `# Written by recurrent: continues training a text model with PyTorch DistributedDataParallel.
#
#   torchrun --nproc_per_node 2 train_ddp.py [--steps N] [--out trained.safetensors]
#   (several machines: torchrun --nnodes M --node_rank R --master_addr HOST --nproc_per_node P ...)
#
# gloo on CPUs, nccl on GPUs. Each process reads batch / world of the streams;
# the batch must split evenly. Prints one JSON line per step (the mean loss over
# all streams) and writes the trained weights (safetensors, PyTorch names) and the
# optimiser's state; \`recurrent import --from torch trained.safetensors --like MODEL\`
# brings the model back.
import argparse, importlib.util, json, os, struct

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location('model_torch', os.path.join(HERE, 'model_torch.py'))
model_torch = importlib.util.module_from_spec(spec)
spec.loader.exec_module(model_torch)


def save_safetensors(path, tensors):
    """Writes tensors as safetensors, atomically (a temporary file renamed over the target)."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        a = t.detach().cpu().contiguous().numpy()
        dtype = {np.dtype('float32'): 'F32', np.dtype('int32'): 'I32', np.dtype('int64'): 'I64'}[a.dtype]
        b = a.tobytes()
        header[name] = {'dtype': dtype, 'shape': list(a.shape), 'data_offsets': [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    head = json.dumps(header).encode()
    head += b' ' * ((8 - len(head) % 8) % 8)
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(struct.pack('<Q', len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def main():
    with open(os.path.join(HERE, 'trainer.json')) as f:
        S = json.load(f)
    p = argparse.ArgumentParser(description='continue training a recurrent text model with DDP')
    p.add_argument('--steps', type=int, default=S['defaultSteps'], help='optimiser steps to take')
    p.add_argument('--out', default=os.path.join(HERE, 'trained.safetensors'), help='where the trained weights go')
    args = p.parse_args()
    backend = 'nccl' if torch.cuda.is_available() else 'gloo'
    dist.init_process_group(backend)
    rank, world = dist.get_rank(), dist.get_world_size()
    device = torch.device('cuda', int(os.environ.get('LOCAL_RANK', 0))) if backend == 'nccl' else torch.device('cpu')
    B, T = S['batch'], S['seqLen']
    if B % world:
        raise SystemExit(f'train_ddp.py: the batch of {B} streams does not split over {world} processes: use a process count that divides {B}')
    per = B // world
    rows = slice(rank * per, (rank + 1) * per)
    state = model_torch.load_safetensors(os.path.join(HERE, 'trainer_state.safetensors'))
    ids = state['train_ids'].long()
    stream_length = len(ids) // B
    chunks = S['chunksPerEpoch']

    model = model_torch.Model()
    model.load_state_dict({k[len('model.'):]: v for k, v in state.items() if k.startswith('model.')})
    model.to(device)
    ddp = DDP(model, device_ids=[device.index] if backend == 'nccl' else None)
    Opt = torch.optim.AdamW if S['optimizer'] == 'adamw' else torch.optim.Adam
    opt = Opt(model.parameters(), lr=S['lr'], betas=tuple(S['betas']), eps=S['eps'], weight_decay=S['weightDecay'])
    if S['optimizerStep'] > 0:
        for name, param in model.named_parameters():
            opt.state[param] = {
                'step': torch.tensor(float(S['optimizerStep'])),
                'exp_avg': state['exp_avg.' + name].to(device).clone(),
                'exp_avg_sq': state['exp_avg_sq.' + name].to(device).clone(),
            }
    lstm = S['cell'] == 'LSTM'
    carried = None
    if 'carried.h' in state:
        h = state['carried.h'][:, rows].contiguous().to(device)
        carried = (h, state['carried.c'][:, rows].contiguous().to(device)) if lstm else h
    offsets = torch.arange(rank * per, (rank + 1) * per) * stream_length

    def chunk(k):
        """Chunk k of this process's streams: inputs and next-token targets, (per, T)."""
        at = offsets[:, None] + (k % chunks) * T + torch.arange(T)[None, :]
        return ids[at].to(device), ids[at + 1].to(device)

    step = S['step']
    losses = []
    for _ in range(args.steps):
        if step % chunks == 0:
            carried = None
        x, y = chunk(step)
        logits, out_state = ddp(x, carried)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if S['clip'] > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), S['clip'])
        opt.step()
        carried = tuple(t.detach() for t in out_state) if lstm else out_state.detach()
        step += 1
        mean = loss.detach().clone()
        dist.all_reduce(mean)
        mean /= world
        losses.append(mean.item())
        if rank == 0:
            print(json.dumps({'step': step, 'loss': losses[-1], 'processes': world}), flush=True)
    if rank == 0:
        save_safetensors(args.out, dict(model.state_dict()))
        moments = {}
        for name, param in model.named_parameters():
            st = opt.state.get(param, {})
            for key in ('exp_avg', 'exp_avg_sq'):
                if key in st:
                    moments[key + '.' + name] = st[key]
        save_safetensors(args.out.replace('.safetensors', '') + '.optimizer.safetensors', moments)
        # What the trained model gives on its first chunk from a zero state: the round trip's reference.
        model.eval()
        with torch.no_grad():
            at = (torch.arange(min(B, 2)) * stream_length)[:, None] + torch.arange(T)[None, :]
            probe = ids[at]
            probe_logits, _ = model(probe.to(device))
        save_safetensors(args.out.replace('.safetensors', '') + '.probe.safetensors', {'tokens': probe.int(), 'logits': probe_logits})
        losses_file = args.out.replace('.safetensors', '') + '.losses.json'
        with open(losses_file + '.tmp', 'w') as f:
            json.dump({'start': S['step'], 'losses': losses, 'processes': world}, f)
        os.replace(losses_file + '.tmp', losses_file)
    dist.destroy_process_group()


if __name__ == '__main__':
    main()
`;
