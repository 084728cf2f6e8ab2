#!/usr/bin/env node
/** The `recurrent` command line. */
import { existsSync } from 'node:fs';
import { normalize } from 'node:path';
import { Command, Option } from 'commander';
import { setBackend } from 'recurrent-nn';
import { UsageError } from './errors.js';
import { markStdoutClosed } from './output.js';
import { registerCaptionCommand } from './caption-command.js';
import { registerClassifyAndSpeechCommands } from './classify-speech-commands.js';
import { registerDetectCommand } from './detect-command.js';
import { registerForecastCommands } from './forecast-commands.js';
import { registerInteropCommands } from './interop-commands.js';
import { registerMemoryCommand } from './memory-command.js';
import { registerPlaygroundCommand } from './playground-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerTextCommands } from './text-commands.js';
import { registerTranscribeCommand } from './transcribe-command.js';
import { registerTranslateCommand } from './translate-command.js';

/**
 * A reader that closes the pipe early (`recurrent generate ... | head`): see
 * output.ts (generation stops, training goes on and writes its model, quietly);
 * any other output error (a full disk) is one line.
 */
function onOutputError(this: NodeJS.WriteStream, e: NodeJS.ErrnoException): void {
  if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') {
    if (this === process.stdout) markStdoutClosed();
    else process.exit(0);
    return;
  }
  const which = this === process.stdout ? 'standard output' : 'standard error';
  try {
    if (this !== process.stderr) process.stderr.write(`recurrent: error: cannot write to ${which}: ${e.code === 'ENOSPC' ? 'no space left on the device' : e.message} (${e.code ?? 'error'})\n`);
  } finally {
    process.exit(1);
  }
}
process.stdout.on('error', onOutputError);
process.stderr.on('error', onOutputError);

/** Commander's error text as one line: without its own "error: " prefix, its lines joined, a "(Did you mean ...)" kept, and where to find the options. */
function oneLine(text: string): string {
  const parts = text.trim().replace(/^error: /, '').split('\n').map((l) => l.trim()).filter((l) => l && !/^Usage:/.test(l));
  return `${parts.join(' ').replace(/\(Did you mean/, '(did you mean').replace(/\.$/, '')}; --help lists the options`;
}

/** A path as the user typed it, without doubled or trailing slashes (`runs//m/` is `runs/m`), so that what is printed of it reads plainly. */
function tidyPath(value: string): string {
  return value.length > 1 ? normalize(value).replace(/(?<=.)\/+$/, '') : value;
}

/**
 * Tidies the paths a command was given, before it runs: `--out` and every
 * argument or option that names something that exists on disk (a prime or a
 * column name does not, and is left alone).
 */
function tidyPaths(command: Command): void {
  const isPath = (v: unknown): v is string => typeof v === 'string' && v.includes('/') && existsSync(v);
  command.processedArgs = command.processedArgs.map((a: unknown) => (Array.isArray(a) ? a.map((x: unknown) => (isPath(x) ? tidyPath(x) : x)) : isPath(a) ? tidyPath(a) : a));
  for (const [key, value] of Object.entries(command.opts())) {
    // The value's source stays what it was: commands tell an option given on the line from a default by it.
    if (typeof value === 'string' && value.includes('/') && (key === 'out' || isPath(value))) command.setOptionValueWithSource(key, tidyPath(value), command.getOptionValueSource(key));
  }
}

const program = new Command();
program
  .name('recurrent')
  .description('Recurrent neural networks (RNN, LSTM, GRU): text generation, forecasting, anomaly detection, classification, translation, speech, image captioning, memory benchmarks, model import and export')
  .version('0.1.0')
  .addOption(new Option('--backend <name>', 'compute backend').choices(['wasm', 'js']).default('wasm'))
  .addOption(new Option('--threads <n>', "threads for the wasm backend: 1, 2 or auto").default('auto'))
  // Commander's own errors (an unknown option, a bad choice) read like every other: one line, `recurrent: error: ...`.
  .configureOutput({ outputError: (text, write) => write(`recurrent: error: ${oneLine(text)}\n`) })
  .hook('preAction', async (_program, command) => {
    tidyPaths(command);
    const { backend, threads } = program.opts<{ backend: 'wasm' | 'js'; threads: string }>();
    if (threads !== 'auto' && threads !== '1' && threads !== '2') throw new UsageError(`--threads must be 1, 2 or auto, got '${threads}'`);
    await setBackend(backend, { threads: threads === 'auto' ? 'auto' : Number(threads) });
  });

registerTextCommands(program);
registerForecastCommands(program);
registerDetectCommand(program);
registerInteropCommands(program);
registerTranslateCommand(program);
registerTranscribeCommand(program);
registerCaptionCommand(program);
registerClassifyAndSpeechCommands(program);
registerMemoryCommand(program);
registerPlaygroundCommand(program);
registerServeCommand(program);

program.exitOverride((err) => {
  process.exit(err.exitCode);
});

try {
  await program.parseAsync(process.argv);
} catch (e) {
  process.stderr.write(`recurrent: error: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
