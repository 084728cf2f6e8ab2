/** `recurrent serve MODEL...`: model folders behind an HTTP API (see serve/server.ts for the routes). */
import type { Command } from 'commander';
import { UsageError, action, int, listenError, portOption } from './errors.js';
import { buildServer } from './serve/server.js';
import { parseModelArgument, serveModel, type ServedModel } from './serve/served-models.js';

/** The defaults of serving, in one place (the help shows these). */
export const SERVE_DEFAULTS = { port: 8080, host: '127.0.0.1', maxBatch: 16, batchWaitMs: 2, maxBodyKb: 2048, timeoutS: 30, maxLength: 2000, maxTexts: 256 } as const;

interface ServeFlags {
  port: number;
  host: string;
  maxBatch: number;
  batchWait: number;
  batching: boolean;
  maxBodyKb: number;
  timeout: number;
  maxLength: number;
  maxTexts: number;
}

export function registerServeCommand(program: Command): void {
  const d = SERVE_DEFAULTS;
  program.command('serve')
    .description('serve model folders over HTTP: JSON in and out, generation streamed as server-sent events, requests batched across clients')
    .argument('<model...>', 'model folders (NAME=FOLDER names one; by default the folder\'s last part is its name in the URL)')
    .option('--port <n>', 'port to listen on (0: any free one)', portOption, d.port)
    .option('--host <address>', 'address to listen on (the default keeps it to this machine)', d.host)
    .option('--max-batch <n>', 'most requests (texts, sequences) a model answers together', int('--max-batch'), d.maxBatch)
    .option('--batch-wait <ms>', 'how long a request waits for others to batch with', int('--batch-wait', 0), d.batchWaitMs)
    .option('--no-batching', 'answer every request alone, in arrival order')
    .option('--max-body-kb <n>', 'largest request body, in KiB (WAV and image files come base64 in the body)', int('--max-body-kb'), d.maxBodyKb)
    .option('--timeout <s>', 'time limit of one request, in seconds', int('--timeout'), d.timeoutS)
    .option('--max-length <n>', 'most tokens a generation or translation request may ask for', int('--max-length'), d.maxLength)
    .option('--max-texts <n>', 'most texts in one classification request', int('--max-texts'), d.maxTexts)
    .action(action(async (args: string[], f: ServeFlags) => {
      const named = args.map(parseModelArgument);
      const dup = named.find((m, i) => named.findIndex((o) => o.name === m.name) !== i);
      if (dup) throw new UsageError(`two models are named '${dup.name}': name them apart, e.g. ${dup.name}2=${dup.folder}`);
      const batching = f.batching ? { maxItems: f.maxBatch, maxWaitMs: f.batchWait } : { maxItems: 1, maxWaitMs: 0 };
      const models: ServedModel[] = [];
      for (const m of named) models.push(await serveModel(m.name, m.folder, { maxLength: f.maxLength, maxTexts: f.maxTexts, batching }));
      const app = buildServer(models, { bodyLimit: f.maxBodyKb * 1024, timeoutMs: f.timeout * 1000 });
      const url = await app.listen({ port: f.port, host: f.host }).catch(async (e: unknown) => {
        await app.close();
        throw listenError(e, f.host, f.port);
      });
      for (const m of models) console.log(`${m.name}: ${m.task}, POST ${url}/v1/models/${m.name}/${m.operation}`);
      console.log(`serving at ${url} (${f.batching ? `batching up to ${f.maxBatch}, waiting ${f.batchWait} ms` : 'no batching'}; GET /health; Ctrl-C stops after the requests in flight)`);
      const signal = await new Promise<string>((ok) => {
        process.once('SIGINT', () => ok('SIGINT'));
        process.once('SIGTERM', () => ok('SIGTERM'));
      });
      process.stderr.write(`${signal}: finishing the requests in flight, then stopping\n`);
      await app.close();
      process.stderr.write('stopped\n');
    }));
}
