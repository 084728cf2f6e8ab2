/** `recurrent playground`: serves the web playground (built by npm run build:web) on 127.0.0.1 and prints its address. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { action, portOption } from './errors.js';
import { serveStatic } from './static-server.js';

/** The built playground that ships with the CLI package (its web/ folder, written by npm run build:web). */
export function bundledPlaygroundDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'web');
}

export function registerPlaygroundCommand(program: Command): void {
  program.command('playground')
    .description('serve the web playground (RNN, LSTM and GRU trained side by side in the browser) on this machine')
    .option('--port <n>', 'port to listen on (0: any free one)', portOption, 8080)
    .option('--host <address>', 'address to listen on (the default keeps it to this machine)', '127.0.0.1')
    .option('--dir <folder>', 'serve this built folder (npm run build:web -- <folder>) instead of the bundled one')
    .action(action(async (f: { port: number; host: string; dir?: string }) => {
      const s = await serveStatic(f.dir ?? bundledPlaygroundDir(), f.host, f.port);
      console.log(`playground at ${s.url} (Ctrl-C stops it)`);
      await new Promise<void>((ok) => {
        process.once('SIGINT', ok);
        process.once('SIGTERM', ok);
      });
      await s.close();
    }));
}
