/**
 * The HTTP API over served models, on fastify (chosen for its JSON-schema
 * request validation with plain messages, body-size limits, and a close()
 * that refuses new requests with 503 while it lets in-flight ones finish):
 *
 *   GET  /health                       status, requests in flight, answered and dropped, memory,
 *                                      event-loop delay, models
 *   GET  /v1/models                    the models and their operations
 *   POST /v1/models/<name>/<operation> JSON in, JSON out; generation streams
 *                                      server-sent events with "stream": true
 *                                      (or Accept: text/event-stream)
 *
 * Every refusal is one JSON line, {"error": "...", "statusCode": N}: 400 for a
 * body that is not what the operation takes (naming the field), 404 for an
 * unknown model or operation (naming what exists), 413 past the size limit,
 * 503 while closing or when a request waited past its time limit, 504 when
 * its work (generation, translation) ran past it. A request's work stops at
 * its time limit or when its client goes away, whichever comes first.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { GenerationBatch, RecurrentError, type SequenceRequest } from 'recurrent-nn';
import { UsageError } from '../errors.js';
import { QueueTimeoutError } from './batcher.js';
import { type RequestLimits, type ServedModel, WorkTimeoutError } from './served-models.js';

export interface ServerOptions {
  /** largest request body (bytes) */
  bodyLimit: number;
  /** time limit of one request, from arrival to its answer (ms) */
  timeoutMs: number;
}

/** The first key of a parsed JSON value, at any depth, that names a prototype (`__proto__`, or `prototype` under `constructor`); null if none. */
function prototypeKey(value: unknown): string | null {
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    for (const [k, x] of Object.entries(v)) {
      if (k === '__proto__') return k;
      if (k === 'constructor' && x !== null && typeof x === 'object' && 'prototype' in x) return 'constructor.prototype';
      stack.push(x);
    }
  }
  return null;
}

interface ErrorBody {
  error: string;
  statusCode: number;
}

function refuse(reply: FastifyReply, statusCode: number, error: string): FastifyReply {
  return reply.code(statusCode).send({ error, statusCode } satisfies ErrorBody);
}

interface AjvIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** The body schema of the route a request reached. */
function schemaOf(req: FastifyRequest): { properties?: Record<string, unknown> } | undefined {
  return (req.routeOptions.schema as { body?: { properties?: Record<string, unknown> } } | undefined)?.body;
}

/** One line for the first way a body misses its schema, naming the field and what it takes. */
function validationMessage(issue: AjvIssue, schema: { properties?: Record<string, unknown> } | undefined): string {
  const fields = Object.keys(schema?.properties ?? {});
  const field = issue.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (issue.keyword === 'additionalProperties') return `unknown field '${String(issue.params.additionalProperty)}' in the request body (it takes ${fields.join(', ')})`;
  if (issue.keyword === 'required') return `the request body lacks '${String(issue.params.missingProperty)}' (it takes ${fields.join(', ')})`;
  if (field === '') return `expected a JSON object as the request body (content-type: application/json) with ${fields.length ? fields.join(', ') : 'no fields'}`;
  return `'${field}' in the request body ${issue.message ?? 'is not valid'}`;
}

/** The server (not yet listening): `await app.listen({ port, host })`, `await app.close()` to drain and stop. */
export function buildServer(models: ServedModel[], options: ServerOptions): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // A connection silent for the request time limit (half a body sent, or headers alone) is closed, not held
    // forever; the second more lets a request whose work ran to its limit still get its 504.
    connectionTimeout: options.timeoutMs + 1000,
    // Unknown fields are refused (a typo is not silently dropped) and types are not coerced.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    // What fastify itself refuses (a URL it cannot decode) gets the one documented shape too.
    frameworkErrors: (err, _req, reply) => refuse(reply, 400, err.code === 'FST_ERR_BAD_URL' ? 'the URL cannot be decoded' : err.message),
  });
  // JSON bodies are read here, so that a refusal says which it is: not JSON, or JSON with a key that could reach a prototype.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, text, done) => {
    let body: unknown;
    try {
      body = JSON.parse(text as string);
    } catch (e) {
      done(Object.assign(new UsageError(`the request body is not valid JSON (${(e as Error).message})`), { statusCode: 400 }), undefined);
      return;
    }
    const key = prototypeKey(body);
    if (key) done(Object.assign(new UsageError(`the request body has a key '${key}', which this server refuses (it could reach an object's prototype)`), { statusCode: 400 }), undefined);
    else done(null, body);
  });
  const byName = new Map(models.map((m) => [m.name, m]));
  const started = Date.now();
  const counts = { inFlight: 0, served: 0, refused: 0, dropped: 0 };
  let closing = false;
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  app.addHook('onClose', async () => {
    closing = true;
    loopDelay.disable();
  });
  // While the server drains, a keep-alive connection whose last response ends (a stream finished after
  // SIGTERM) is closed at once rather than held open until its keep-alive time runs out.
  app.addHook('preClose', async () => {
    const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
    app.server.once('close', () => clearInterval(sweep));
  });
  // A request leaves the in-flight count when its connection lets go of it: answered, or dropped by the
  // client before its answer (fastify's onResponse is never called for those; they count as dropped).
  app.addHook('onRequest', async (_req, reply) => {
    counts.inFlight++;
    const res = reply.raw;
    res.once('close', () => {
      counts.inFlight--;
      if (!res.writableFinished) counts.dropped++;
      else if (res.statusCode >= 400) counts.refused++;
      else counts.served++;
    });
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err.validation) return refuse(reply, 400, validationMessage(err.validation[0]!, schemaOf(req)));
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return refuse(reply, 413, `the request body is larger than the limit of ${options.bodyLimit.toLocaleString('en-US')} bytes`);
    if (err instanceof QueueTimeoutError) return refuse(reply, 503, `${err.message} (${options.timeoutMs} ms): the server is busy, try again`);
    if (err instanceof WorkTimeoutError) return refuse(reply, 504, `${err.message} (${options.timeoutMs} ms): ask for less`);
    if (err instanceof RecurrentError || err instanceof UsageError) return refuse(reply, 400, err.message);
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) return refuse(reply, err.statusCode, err.message);
    return refuse(reply, 500, `internal error: ${err.message}`);
  });
  app.setNotFoundHandler((req, reply) => refuse(reply, 404, `no route ${req.method} ${req.url}: the routes are GET /health, GET /v1/models and POST /v1/models/<name>/<operation>`));

  // The model's folder stays private: a client learns its name, task and route, not where it lives on disk.
  const describe = (m: ServedModel): object => ({ name: m.name, task: m.task, operation: m.operation, url: `/v1/models/${m.name}/${m.operation}`, summary: m.summary });
  app.get('/health', async () => ({
    status: closing ? 'closing' : 'ok', uptimeSeconds: Math.round((Date.now() - started) / 1000), requests: { ...counts },
    memoryMB: Math.round(process.memoryUsage().rss / 2 ** 20),
    // How long the event loop has been held at once (ms, since start): what every request waits behind.
    eventLoopDelayMs: { p99: Math.round(loopDelay.percentile(99) / 1e6), max: Math.round(loopDelay.max / 1e6) },
    models: models.map((m) => ({ name: m.name, task: m.task, load: m.load() })),
  }));
  app.get('/v1/models', async () => ({ models: models.map(describe) }));

  for (const m of models) {
    app.post(`/v1/models/${m.name}/${m.operation}`, { schema: { body: m.schema } }, async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const limits = requestLimits(reply, options.timeoutMs);
      try {
        return await (m.generation ? generate(m, body, req, reply, limits) : m.answer!(body, limits));
      } finally {
        limits.dispose();
      }
    });
  }
  // A known model asked for another operation: say what it does.
  app.post('/v1/models/:name/:operation', async (req, reply) => {
    const { name, operation } = req.params as { name: string; operation: string };
    const m = byName.get(name);
    if (!m) return refuse(reply, 404, `no model '${name}': this server has ${models.map((x) => x.name).join(', ')}`);
    return refuse(reply, 404, `model '${name}' (${m.task}) does not ${operation}: POST /v1/models/${name}/${m.operation}`);
  });
  return app;
}

/** A request's limits: the time limit and the client's going away both abort its signal. */
function requestLimits(reply: FastifyReply, timeoutMs: number): RequestLimits & { timeoutMs: number; timedOut(): boolean; dispose(): void } {
  const abort = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, timeoutMs);
  const res = reply.raw;
  res.on('close', () => { if (!res.writableFinished) abort.abort(); });
  return { deadline: performance.now() + timeoutMs, signal: abort.signal, timeoutMs, timedOut: () => timedOut, dispose: () => clearTimeout(timer) };
}

/** Text generation: JSON when the whole text is ready, or server-sent events, one per token. */
async function generate(m: ServedModel, body: Record<string, unknown>, req: FastifyRequest, reply: FastifyReply, limits: ReturnType<typeof requestLimits>): Promise<object | void> {
  const { loop, generator } = m.generation!;
  const { stream, ...settings } = body as SequenceRequest & { stream?: boolean };
  const sse = stream === true || (stream === undefined && /text\/event-stream/.test(req.headers.accept ?? ''));
  const request: SequenceRequest = { length: 200, ...settings };
  // Settings the batch would refuse are refused here, before a stream starts.
  GenerationBatch.checkRequest(request);
  const late = (tokens: number): string => `generation ran past the time limit of ${limits.timeoutMs} ms after ${tokens} of ${request.length} tokens`;
  if (!sse) {
    const r = await loop.generate(request, limits.signal);
    if (limits.timedOut()) return refuse(reply, 504, late(r.ids.length));
    return { text: r.text, tokens: r.ids.length, unknown: r.unknown };
  }
  const res = reply.raw;
  reply.hijack();
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  // Events written once per turn of the event loop: the loop runs several steps per turn.
  let buffered = '';
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (buffered && !res.writableEnded) res.write(buffered);
    buffered = '';
  };
  const send = (event: string | null, data: object): void => {
    buffered += `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  send('start', { unknown: generator.vocab.encode(request.prime ?? '').unknown });
  try {
    const r = await loop.generate({ ...request, onToken: (token) => send(null, { token }) }, limits.signal);
    if (limits.timedOut()) send('error', { error: late(r.ids.length), statusCode: 504 });
    else send('done', { text: r.text, tokens: r.ids.length });
  } catch (e) {
    send('error', { error: (e as Error).message, statusCode: e instanceof RecurrentError ? 400 : 500 });
  }
  flush();
  res.end();
}
