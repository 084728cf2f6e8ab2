/**
 * Crash at every write, as SQLite tests its journal: a short training run with
 * checkpoints is stopped before its k-th file operation, for every k (from then
 * on every file operation fails, as if the process had died). The folder must
 * then be usable: generation works wherever a model had been saved, `--resume`
 * works wherever a checkpoint had been, and the resumed run (or, before the
 * first save, a fresh run into the same folder) ends bit-identical to a run
 * that was never stopped, with no temporary file left behind.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { type FileOp, setFileOpHook } from '../packages/recurrent/src/io/fs.js';
import { TextGenerator } from '../packages/recurrent/src/tasks/text/generator.js';
import { loadTextModel, textFolderState, trainInFolder } from '../packages/recurrent/src/tasks/text/io.js';

const text = 'It was the best of times, it was the worst of times, it was the age of wisdom.\n'.repeat(12);
const MODEL = { cell: 'LSTM' as const, hiddenSize: 8, numLayers: 1, embeddingSize: 4 };
const TRAIN = { steps: 12, evalEvery: 4, batch: 2, seqLen: 12, name: 'tale' };

class SimulatedCrash extends Error {}

/** The run the CLI makes: a new model, or the folder's checkpoint resumed with the run's own settings. */
async function run(dir: string, resume: boolean): Promise<void> {
  const g = resume ? await loadTextModel(dir, { resume: true }) : TextGenerator.create(text, MODEL, 0);
  await trainInFolder(dir, g, text, resume ? {} : TRAIN);
}

function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(relative(dir, join(d, e.name)));
    }
  };
  walk(dir);
  return out.sort();
}

/** What must be identical: every weight file byte for byte, the history and state without wall-clock times. */
function outcome(dir: string): Record<string, string> {
  const noTimes = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (k, x: unknown) => (k === 'seconds' || k === 'deadline' ? undefined : x)));
  const out: Record<string, string> = {};
  for (const f of listing(dir)) {
    const bytes = readFileSync(join(dir, f));
    out[f] = f.endsWith('.json') ? JSON.stringify(noTimes(JSON.parse(bytes.toString('utf8')))) : bytes.toString('base64');
  }
  return out;
}

describe('crash at every write (text model folder)', () => {
  it('leaves a folder that generates, resumes and ends bit-identical, for every crash point', async () => {
    const work = mkdtempSync(join(tmpdir(), 'recurrent-crash-'));
    const reference = join(work, 'reference');
    const ops: Array<[FileOp, string]> = [];
    setFileOpHook((op, path) => {
      ops.push([op, relative(reference, path)]);
    });
    try {
      await run(reference, false);
    } finally {
      setFileOpHook(null);
    }
    const expected = outcome(reference);
    assert.ok(ops.length > 50, `a run with ${TRAIN.steps / TRAIN.evalEvery} saves makes many file operations (${ops.length})`);
    let generated = 0;
    let resumed = 0;
    let restarted = 0;
    for (let k = 0; k < ops.length; k++) {
      const dir = join(work, `crash-${k}`);
      let count = 0;
      // Each crashed run is a "process" of its own, so its temporary files belong to a dead writer.
      setFileOpHook(() => {
        if (count++ >= k) throw new SimulatedCrash(`stopped before operation ${k}: ${ops[k]![0]} ${ops[k]![1]}`);
      }, { pid: 5_000_000 + k });
      try {
        await assert.rejects(run(dir, false), SimulatedCrash);
      } finally {
        setFileOpHook(null);
      }
      const state = existsSync(dir) ? await textFolderState(dir) : { model: false, checkpoint: null, other: false };
      if (state.model || state.checkpoint !== null) {
        const g = await loadTextModel(dir);
        assert.equal(g.generate({ length: 10, seed: 1 }).text.length > 0, true, `generate after crash ${k}`);
        generated++;
      }
      if (state.checkpoint !== null) {
        await run(dir, true);
        resumed++;
      } else {
        // Nothing was saved yet: the same command starts again in the same folder (the CLI refuses a folder with a model).
        assert.equal(state.model || state.other, false, `after a crash before operation ${k} (${ops[k]![0]} ${ops[k]![1]}): files without a checkpoint can neither resume nor be trained into afresh`);
        await run(dir, false);
        restarted++;
      }
      assert.deepEqual(outcome(dir), expected, `after a crash before operation ${k} (${ops[k]![0]} ${ops[k]![1]}) and ${state.checkpoint ? 'resume' : 'restart'}`);
      rmSync(dir, { recursive: true, force: true });
    }
    console.log(`# crash points: ${ops.length} (operations of one run), resumed ${resumed}, restarted ${restarted}, generated after ${generated}`);
    assert.ok(resumed > 0 && restarted > 0);
    rmSync(work, { recursive: true, force: true });
  });
});

describe('crash at every write (a model folder replaced with --force)', () => {
  it('leaves the old model or the new one, for every crash point', async () => {
    const { LSTM, Random, loadModel, saveModel } = await import('../packages/recurrent/src/node.js');
    const work = mkdtempSync(join(tmpdir(), 'recurrent-crash-replace-'));
    const oldModel = new LSTM({ inputSize: 3, hiddenSize: 4, rng: new Random(1) });
    const newModel = new LSTM({ inputSize: 3, hiddenSize: 5, numLayers: 2, rng: new Random(2) });
    const bytes = (m: InstanceType<typeof LSTM>): string => JSON.stringify(Object.entries(m.stateDict()).map(([k, t]) => [k, [...t.data]]));
    let total = 0;
    setFileOpHook(() => {
      total++;
    });
    try {
      await saveModel(join(work, 'count'), oldModel);
    } finally {
      setFileOpHook(null);
    }
    await saveModel(join(work, 'count'), oldModel);
    setFileOpHook(() => {
      total++;
    });
    const before = total;
    try {
      await saveModel(join(work, 'count'), newModel);
    } finally {
      setFileOpHook(null);
    }
    const ops = total - before;
    let sawOld = 0;
    let sawNew = 0;
    for (let k = 0; k < ops; k++) {
      const dir = join(work, `m-${k}`);
      await saveModel(dir, oldModel);
      let count = 0;
      setFileOpHook(() => {
        if (count++ >= k) throw new SimulatedCrash(`stopped before operation ${k}`);
      }, { pid: 5_100_000 + k });
      try {
        await assert.rejects(saveModel(dir, newModel), SimulatedCrash);
      } finally {
        setFileOpHook(null);
      }
      const loaded = bytes((await loadModel<InstanceType<typeof LSTM>>(dir)).model);
      if (loaded === bytes(oldModel)) sawOld++;
      else if (loaded === bytes(newModel)) sawNew++;
      else assert.fail(`after a crash before operation ${k} the folder holds neither model`);
      await saveModel(dir, newModel);
      assert.equal(bytes((await loadModel<InstanceType<typeof LSTM>>(dir)).model), bytes(newModel));
      assert.deepEqual(readdirSync(work).filter((n) => n.startsWith(`m-${k}.`)), [], 'no .tmp or .old folder left after the next save');
    }
    console.log(`# replace crash points: ${ops}, old model kept ${sawOld}, new model found ${sawNew}`);
    assert.ok(sawOld > 0 && sawNew > 0);
    rmSync(work, { recursive: true, force: true });
  });
});

describe('crash at every write (forecast train --force)', () => {
  it('swaps in the model, its evaluation and its plots together: after any crash the folder holds every file, old or new', async () => {
    const { Command } = await import('commander');
    const { registerForecastCommands } = await import('../packages/cli/src/forecast-commands.js');
    const { writeFileSync } = await import('node:fs');
    const work = mkdtempSync(join(tmpdir(), 'recurrent-crash-forecast-'));
    const csv = join(work, 'series.csv');
    writeFileSync(csv, `t,value\n${Array.from({ length: 80 }, (_, i) => `${i},${(10 + 3 * Math.sin(i / 2)).toFixed(3)}`).join('\n')}\n`);
    for (const [model, FILES] of [
      ['hybrid', ['config.json', 'evaluation.json', 'model.safetensors', 'test.png', 'test.svg']],
      ['network', ['config.json', 'evaluation.json', 'loss.png', 'loss.svg', 'model.safetensors', 'test.png', 'test.svg']],
    ] as const) {
      const train = async (out: string, seed: number): Promise<void> => {
        const program = new Command().exitOverride();
        registerForecastCommands(program);
        const log = console.log;
        const error = process.stderr.write;
        console.log = () => {};
        process.stderr.write = () => true;
        try {
          await program.parseAsync(['forecast', 'train', csv, '--model', model, '--target', 'value', '--horizon', '3', '--lookback', '6', '--epochs', '1', '--hidden', '4', '--seed', String(seed), '--out', out, '--force', '--json'], { from: 'user' });
        } finally {
          console.log = log;
          process.stderr.write = error;
        }
        assert.equal(process.exitCode ?? 0, 0);
      };
      const weights = (dir: string): string => readFileSync(join(dir, 'model.safetensors')).toString('base64');
      const reference = join(work, `reference-${model}`);
      await train(reference, 1);
      const oldWeights = weights(reference);
      let total = 0;
      setFileOpHook(() => { total++; });
      try {
        await train(reference, 2);
      } finally {
        setFileOpHook(null);
      }
      const newWeights = weights(reference);
      let sawOld = 0;
      let sawNew = 0;
      for (let k = 0; k < total; k++) {
        const dir = join(work, `${model}-${k}`);
        await train(dir, 1);
        let count = 0;
        setFileOpHook(() => {
          if (count++ >= k) throw new SimulatedCrash(`stopped before operation ${k}`);
        }, { pid: 5_200_000 + k });
        try {
          await train(dir, 2).catch(() => {});
        } finally {
          setFileOpHook(null);
          process.exitCode = 0;
        }
        // What a reader finds first (a later save completes an interrupted swap; so does a reader that recovers).
        const { recoverFolder } = await import('../packages/recurrent/src/io/fs.js');
        await recoverFolder(dir, 'config.json');
        assert.deepEqual(readdirSync(dir).sort(), FILES, `${model}: after a crash before operation ${k}`);
        const w = weights(dir);
        if (w === oldWeights) sawOld++;
        else if (w === newWeights) sawNew++;
        else assert.fail(`after a crash before operation ${k} the folder holds neither model`);
      }
      console.log(`# forecast --model ${model} --force crash points: ${total}, old folder kept ${sawOld}, new folder found ${sawNew}`);
      assert.ok(sawOld > 0 && sawNew > 0);
    }
    rmSync(work, { recursive: true, force: true });
  });
});
