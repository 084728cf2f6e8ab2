/**
 * The long-range memory table of the README, from `recurrent memory` itself:
 * the adding problem, copy memory, sequential and permuted pixel digits, and
 * the exploding-gradient case, at the settings below. `npm run bench:memory`
 * (after `npm run build`) prints what the command prints and writes it to
 * bench/RESULTS-memory-<date>.txt; the plots go to runs/memory-*.
 * `npm run bench:memory -- adding` runs one part.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rawOutput } from './raw-output.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'packages/cli/bin/recurrent.js');

/** Each part: the arguments of one `recurrent memory` run. */
const PARTS: Record<string, string[]> = {
  adding: ['--task', 'adding', '--lengths', '100,300,600', '--cells', 'rnn,lstm,gru', '--inits', 'default,chrono', '--params', '17000', '--steps', '3000'],
  // What the forget-gate bias alone does where the default LSTM fails.
  'adding-forget-bias': ['--task', 'adding', '--lengths', '600', '--cells', 'lstm', '--inits', 'forget-bias', '--params', '17000', '--steps', '3000'],
  copy: ['--task', 'copy', '--lengths', '100,500', '--cells', 'rnn,lstm,gru', '--inits', 'default,chrono', '--params', '17000', '--steps', '2000', '--lr', '0.005'],
  // Chrono init and a curriculum of lengths: trained on short copies first, at Bai et al.'s ~70K parameters.
  'copy-curriculum': ['--task', 'copy', '--lengths', '500', '--cells', 'rnn,lstm,gru', '--inits', 'default,chrono', '--params', '70000', '--steps', '12000', '--curriculum'],
  digits: ['--task', 'digits', '--cells', 'rnn,lstm,gru', '--inits', 'default,chrono', '--params', '17000', '--steps', '3000', '--lr', '0.005'],
  'permuted-digits': ['--task', 'permuted-digits', '--cells', 'rnn,lstm,gru', '--inits', 'default,chrono', '--params', '17000', '--steps', '3000', '--lr', '0.005'],
  explode: ['--explode', '1.5', '--lengths', '100', '--params', '17000', '--steps', '500', '--lr', '0.01'],
};

const chosen = process.argv.slice(2);
for (const c of chosen) if (!PARTS[c]) throw new Error(`unknown part ${c}: expected ${Object.keys(PARTS).join(', ')}`);
const parts = chosen.length ? chosen : Object.keys(PARTS);

const out = rawOutput(`memory${chosen.length ? `-${chosen.join('-')}` : ''}`, `npm run bench:memory${chosen.length ? ` -- ${chosen.join(' ')}` : ''}`);
for (const part of parts) {
  const args = ['memory', ...PARTS[part]!, '--out', join(root, 'runs', `memory-${part}`), '--force'];
  out.line(`$ recurrent ${args.slice(0, -3).join(' ')}`);
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  for (const line of r.stdout.trimEnd().split('\n')) out.line(line);
  if (r.status !== 0) out.line(`(exit status ${r.status})`);
}
await out.save();
