/** `recurrent export` and `recurrent import`: models to and from PyTorch, TensorFlow.js and ONNX. */
import { existsSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { type Command, Option } from 'commander';
import { readModelFiles, saveModel, writeFileAtomic, readBytes, loadTfjsModel, loadTextModel, replaceFolder, saveTextModel, textFolderState } from 'recurrent-nn/node';
import {
  type SavableModel, type Tensor, type TorchTrainerSettings, modelFromFiles, parseSafetensors, exportTorch, importTorch, torchModuleSource, torchStateDict, torchTrainerFiles,
} from 'recurrent-nn';
import { trainedText } from './corpora.js';
import { exportOnnx, importOnnx, toNativeModel } from 'recurrent-nn/onnx';
import { UsageError, action, refuseExisting } from './errors.js';

function parseRenames(v: string | undefined): Record<string, string> {
  if (!v) return {};
  const out: Record<string, string> = {};
  for (const part of v.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([\w-]+)=([\w-]+)$/.exec(part);
    if (!m) throw new UsageError(`--rename expects old=new pairs separated by commas (e.g. lstm=rnn,fc=head), got '${part}'`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

/** Folder types that rebuild as a model the exporters know (the others export as a plain state dict). */
const NATIVE_TYPES = ['LanguageModel', 'SequenceRegressor', 'LSTM', 'GRU', 'RNN'];

function describe(model: { constructor: { name: string }; numParameters(): number }): string {
  return `${model.constructor.name} with ${model.numParameters().toLocaleString('en-US')} parameters`;
}

/** A safetensors file's tensors by name, as float32. */
function importStateDict(bytes: Uint8Array, source: string): Record<string, Tensor> {
  const st = parseSafetensors(bytes, source);
  return Object.fromEntries(st.names().map((n) => [n, st.float32(n)]));
}

/** `export --format torch --trainer`: the DDP script and what it continues from (see tasks/text/torch-trainer.ts). */
async function exportTrainer(dir: string, folder: string, data: string[], force: boolean | undefined): Promise<void> {
  refuseExisting(folder, force);
  const state = await textFolderState(dir);
  if (!state.model && state.checkpoint === null) throw new UsageError(`${dir}: --trainer continues a text model's training (recurrent train); this folder holds another kind`);
  const g = await loadTextModel(dir, { resume: true });
  const source = await trainedText(g, dir, data, 'with --data FILE');
  const files = await torchTrainerFiles(g, source.text, dir);
  // trainer.json last: the folder's marker that it is whole.
  await replaceFolder(folder, Object.entries(files).sort(([a], [b]) => Number(a === 'trainer.json') - Number(b === 'trainer.json')));
  const settings = JSON.parse(new TextDecoder().decode(files['trainer.json'])) as TorchTrainerSettings;
  console.log(`wrote ${folder}/ (train_ddp.py, model_torch.py, trainer.json, trainer_state.safetensors): continues ${dir} from step ${settings.step} ` +
    `(batch ${settings.batch} streams of ${settings.seqLen}, ${settings.optimizer} at lr ${settings.lr})`);
  console.log(`run: cd ${folder} && torchrun --nproc_per_node 2 train_ddp.py --steps ${settings.defaultSteps}`);
  console.log(`then: recurrent import --from torch ${join(folder, 'trained.safetensors')} --like ${dir} --out ${dir}-ddp`);
}

export function registerInteropCommands(program: Command): void {
  program
    .command('export')
    .description('write a model folder as a PyTorch state dict (safetensors + a Python module) or an ONNX file')
    .argument('<model>', 'model folder (from train, forecast train, classify train, translate train, speech train, import, or saveModel)')
    .addOption(new Option('--format <format>', 'target format').choices(['onnx', 'torch']).makeOptionMandatory())
    .option('--out <file>', 'output file (default: <model>/model.onnx or <model>/model.torch.safetensors)')
    .option('--force', 'overwrite existing output files')
    .option('--rename <pairs>', 'torch: rename top-level modules on the way out, e.g. rnn=lstm,head=fc')
    .option('--trainer [dir]', 'torch, text model: also write a DistributedDataParallel training script for torchrun that continues the run from its checkpoint (default folder <model>/torch-trainer)')
    .option('--data <files...>', 'with --trainer: the text the model was trained on (default: its bundled corpus)')
    .action(action(async (dir: string, flags: { format: 'onnx' | 'torch'; out?: string; force?: boolean; rename?: string; trainer?: string | true; data?: string[] }) => {
      if (flags.trainer !== undefined) {
        if (flags.format !== 'torch') throw new UsageError('--trainer writes a PyTorch training script: use it with --format torch');
        await exportTrainer(dir, flags.trainer === true ? join(dir, 'torch-trainer') : flags.trainer, flags.data ?? [], flags.force);
        return;
      }
      if (flags.data) throw new UsageError('--data is for --trainer (the text to continue training on)');
      const out = flags.out ?? join(dir, flags.format === 'onnx' ? 'model.onnx' : 'model.torch.safetensors');
      if (existsSync(out) && statSync(out).isDirectory()) throw new UsageError(`--out ${out} is a folder: give a file name, e.g. ${join(out, basename(out) + (flags.format === 'onnx' ? '.onnx' : '.safetensors'))}`);
      const py = out.replace(/\.safetensors$/i, '') + '.py';
      for (const f of flags.format === 'onnx' ? [out] : [out, py]) refuseExisting(f, flags.force, 'file');
      const files = await readModelFiles(dir);
      if (!NATIVE_TYPES.includes(files.config.type)) {
        const task = String((files.config.extra as { task?: unknown } | undefined)?.task ?? files.config.type);
        if (flags.format === 'onnx') {
          throw new UsageError(`${dir} holds a ${files.config.type} (${task}): ONNX export covers text-generation, forecasting and plain LSTM/GRU/RNN folders, not this kind yet; --format torch writes its weights as a PyTorch state dict`);
        }
        const st = parseSafetensors(files.weights, join(dir, 'model.safetensors'));
        await writeFileAtomic(out, torchStateDict(Object.fromEntries(st.names().map((n) => [n, st.float32(n)])), parseRenames(flags.rename)));
        console.log(`wrote ${out}: the ${files.config.type}'s ${st.names().length} tensors under PyTorch names (${task}); no PyTorch module source is written for this kind`);
        return;
      }
      // NATIVE_TYPES are exactly the SavableModel classes.
      const { model } = modelFromFiles<SavableModel>(files, dir);
      if (flags.format === 'onnx') {
        const bytes = exportOnnx(model);
        await writeFileAtomic(out, bytes);
        console.log(`wrote ${out}: ${describe(model)}, ONNX opset 14 (${bytes.length.toLocaleString('en-US')} bytes)`);
      } else {
        const bytes = exportTorch(model, parseRenames(flags.rename));
        await writeFileAtomic(out, bytes);
        await writeFileAtomic(py, torchModuleSource(model, basename(out)));
        console.log(`wrote ${out} (PyTorch state dict, ${describe(model)}) and ${py} (the module; python3 ${basename(py)} loads it)`);
      }
    }));

  program
    .command('import')
    .description('turn a PyTorch state dict, a TensorFlow.js Layers model or an ONNX file into a model folder')
    .argument('<file>', 'state dict (.safetensors), tfjs model.json, or .onnx')
    .addOption(new Option('--from <format>', 'source format').choices(['torch', 'tfjs', 'onnx']).makeOptionMandatory())
    .option('--out <dir>', 'model folder to write (default runs/<file>-imported)')
    .option('--force', 'overwrite an existing folder')
    .option('--rename <pairs>', 'torch: map module names to embedding, rnn and head, e.g. encoder=embedding,lstm=rnn,fc=head')
    .addOption(new Option('--nonlinearity <f>', 'torch: a vanilla RNN\'s nonlinearity (a state dict does not say)').choices(['tanh', 'relu']).default('tanh'))
    .option('--like <model>', 'torch: weights for this text model (e.g. trained by its torch-trainer): the new folder keeps its vocabulary and settings')
    .action(action(async (file: string, flags: { from: 'torch' | 'tfjs' | 'onnx'; out?: string; force?: boolean; rename?: string; nonlinearity: 'tanh' | 'relu'; like?: string }) => {
      const out = flags.out ?? join('runs', `${basename(file, extname(file))}-imported`);
      refuseExisting(out, flags.force);
      if (flags.like) {
        if (flags.from !== 'torch') throw new UsageError('--like takes PyTorch weights: use it with --from torch');
        const g = await loadTextModel(flags.like);
        const weights = await readBytes(file, 'the state dict');
        try {
          g.replaceWeights(flags.rename ? torchStateDict(importStateDict(weights, file), parseRenames(flags.rename)) : weights, file);
        } catch (e) {
          throw new UsageError(`${file} does not fit ${flags.like}: ${(e as Error).message}`);
        }
        await saveTextModel(out, g);
        console.log(`wrote ${out}/: ${flags.like}'s text model with the weights of ${file} (${describe(g.model)})`);
        return;
      }
      let model: SavableModel;
      if (flags.from === 'torch') {
        model = importTorch(await readBytes(file, 'the state dict'), { rename: parseRenames(flags.rename), nonlinearity: flags.nonlinearity }, file);
      } else if (flags.from === 'onnx') {
        model = toNativeModel(importOnnx(await readBytes(file, 'the ONNX model'), file));
      } else {
        model = (await loadTfjsModel(file)).toNative();
      }
      await saveModel(out, model, { importedFrom: { format: flags.from, file: basename(file) } });
      console.log(`wrote ${out}/ (config.json, model.safetensors): ${describe(model)}`);
    }));
}
