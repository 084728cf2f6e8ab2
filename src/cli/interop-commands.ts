/** `recurrent export` and `recurrent import`: models to and from PyTorch, TensorFlow.js and ONNX. */
import { basename, extname, join } from 'node:path';
import { type Command, Option } from 'commander';
import { loadModel, saveModel, writeFileAtomic } from '../io/fs.js';
import type { SavableModel } from '../io/model-files.js';
import { readBytes, loadTfjsModel } from '../interop/files.js';
import { exportOnnx } from '../interop/onnx/export.js';
import { importOnnx, toNativeModel } from '../interop/onnx/import.js';
import { exportTorch, importTorch, torchModuleSource } from '../interop/torch.js';
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

function describe(model: SavableModel): string {
  return `${model.constructor.name} with ${model.numParameters().toLocaleString('en-US')} parameters`;
}

export function registerInteropCommands(program: Command): void {
  program
    .command('export')
    .description('write a model folder as a PyTorch state dict (safetensors + a Python module) or an ONNX file')
    .argument('<model>', 'model folder (from train, forecast train, import, or saveModel)')
    .addOption(new Option('--format <format>', 'target format').choices(['onnx', 'torch']).makeOptionMandatory())
    .option('--out <file>', 'output file (default: <model>/model.onnx or <model>/model.torch.safetensors)')
    .option('--rename <pairs>', 'torch: rename top-level modules on the way out, e.g. rnn=lstm,head=fc')
    .action(action(async (dir: string, flags: { format: 'onnx' | 'torch'; out?: string; rename?: string }) => {
      const model = await loadModel(dir);
      if (flags.format === 'onnx') {
        const out = flags.out ?? join(dir, 'model.onnx');
        const bytes = exportOnnx(model);
        await writeFileAtomic(out, bytes);
        console.log(`wrote ${out}: ${describe(model)}, ONNX opset 14 (${bytes.length.toLocaleString('en-US')} bytes)`);
      } else {
        const out = flags.out ?? join(dir, 'model.torch.safetensors');
        const bytes = exportTorch(model, parseRenames(flags.rename));
        const py = out.replace(/\.safetensors$/i, '') + '.py';
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
    .action(action(async (file: string, flags: { from: 'torch' | 'tfjs' | 'onnx'; out?: string; force?: boolean; rename?: string; nonlinearity: 'tanh' | 'relu' }) => {
      const out = flags.out ?? join('runs', `${basename(file, extname(file))}-imported`);
      refuseExisting(out, flags.force);
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
