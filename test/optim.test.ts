import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  Adam, ConfigError, CosineAnnealingLR, ExponentialLR, Parameter, ReduceLROnPlateau, RMSprop, SGD, StepLR,
  clipGradNorm, clipGradValue, createOptimizer, gradNorm,
} from '../packages/recurrent/src/node.js';
import type { LRScheduler, Optimizer } from '../packages/recurrent/src/node.js';

function param(values: number[], grad: number[]): Parameter {
  const p = new Parameter(Float32Array.from(values), [values.length]);
  p.grad.set(grad);
  return p;
}

describe('learning-rate schedules match PyTorch', () => {
  const ref = JSON.parse(readFileSync(new URL('./fixtures/torch-extra/schedulers.json', import.meta.url), 'utf8')) as {
    initial_lr: number; metrics: number[]; cases: Record<string, number[]>;
  };
  const makers: Record<string, (o: Optimizer) => LRScheduler> = {
    'StepLR(stepSize=3,gamma=0.5)': (o) => new StepLR(o, 3, 0.5),
    'ExponentialLR(gamma=0.9)': (o) => new ExponentialLR(o, 0.9),
    'CosineAnnealingLR(tMax=10,etaMin=0.01)': (o) => new CosineAnnealingLR(o, 10, 0.01),
    'ReduceLROnPlateau(factor=0.5,patience=2,cooldown=1)': (o) => new ReduceLROnPlateau(o, { factor: 0.5, patience: 2, cooldown: 1 }),
  };
  for (const [name, want] of Object.entries(ref.cases)) {
    it(name, () => {
      const opt = new SGD([param([0], [0])], { lr: ref.initial_lr });
      const make = makers[name];
      assert.ok(make, `no scheduler for ${name}`);
      const s = make(opt);
      const got = want.map((_, e) => { s.step(ref.metrics[e]); return opt.lr; });
      got.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-9, `epoch ${i + 1}: ${v} vs ${want[i]}`));
    });
  }
});

describe('gradient clipping', () => {
  it('clipGradNorm scales by maxNorm/(norm+1e-6) and returns the norm before clipping', () => {
    const a = param([0, 0], [3, 0]);
    const b = param([0], [4]);
    const norm = clipGradNorm([a, b], 1);
    assert.ok(Math.abs(norm - 5) < 1e-6);
    assert.ok(Math.abs(gradNorm([a, b]) - 1) < 1e-6);
    assert.ok(Math.abs(a.grad[0]! - 3 / (5 + 1e-6)) < 1e-7);
    const c = param([0], [0.5]);
    clipGradNorm([c], 1);
    assert.equal(c.grad[0], 0.5);
  });
  it('clipGradValue clamps each value', () => {
    const a = param([0, 0, 0], [-3, 0.2, 9]);
    clipGradValue([a], 1);
    assert.deepEqual([...a.grad], [-1, Math.fround(0.2), 1]);
  });
});

describe('optimisers', () => {
  it('SGD and Adam first steps follow the textbook rules', () => {
    const p = param([1, -2], [0.5, -1]);
    new SGD([p], { lr: 0.1 }).step();
    assert.deepEqual([...p.data].map((v) => +v.toFixed(6)), [0.95, -1.9]);
    const q = param([1], [2]);
    new Adam([q], { lr: 0.01 }).step();
    // First Adam step moves by lr * g/|g| (bias-corrected), up to eps.
    assert.ok(Math.abs(q.data[0]! - 0.99) < 1e-6);
  });

  it('stateDict resumes exactly where it stopped', () => {
    const run = (split: boolean): Float32Array => {
      const p = param([1, 2, 3], [0, 0, 0]);
      let opt: Optimizer = new RMSprop([p], { lr: 0.05, momentum: 0.9, centered: true });
      for (let s = 0; s < 6; s++) {
        if (split && s === 3) {
          const saved = opt.stateDict();
          opt = new RMSprop([p], { lr: 0.05, momentum: 0.9, centered: true });
          opt.loadStateDict(saved);
        }
        p.grad.set([Math.sin(s), Math.cos(s), s / 10]);
        opt.step();
      }
      return p.data;
    };
    assert.deepEqual(run(true), run(false));
  });

  it('createOptimizer checks names and options', () => {
    const ps = [param([1], [1])];
    assert.equal(createOptimizer('AdamW', ps).name, 'adamw');
    assert.throws(() => createOptimizer('lbfgs', ps), (e: Error) => e instanceof ConfigError && /unknown optimizer 'lbfgs', expected one of sgd, adam, adamw, rmsprop, adagrad/.test(e.message));
    assert.throws(() => createOptimizer('sgd', ps, { betas: [0.9, 0.99] }), /optimizer sgd has no option 'betas'/);
    assert.throws(() => new SGD(ps, { lr: -1 }), /learning rate must be a non-negative number, got -1/);
    assert.throws(() => new SGD(ps, { nesterov: true }), /nesterov needs momentum > 0/);
    assert.throws(() => new SGD([], {}), /empty parameter list/);
  });
});
