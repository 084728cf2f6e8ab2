/**
 * `recurrent serve`: batched generation gives each text exactly what it
 * gives alone (every backend); the HTTP API answers, streams and refuses as
 * documented; a bounded load at 1, 8 and 64 clients loses nothing, with bad
 * requests beside it refused; SIGTERM finishes the request in flight; and
 * the model exported to ONNX, run by onnxruntime, writes the same text.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { GenerationBatch, Random, SpokenWordRecognizer, TextGenerator, inEvalMode, parseWav } from '../packages/recurrent/src/index.js';
import { PRIME_CHUNK, readPrime } from '../packages/recurrent/src/tasks/text/generation-batch.js';
import { exportOnnx } from '../packages/recurrent/src/onnx.js';
import { loadTextModel, saveModelFiles, saveTextModel } from '../packages/recurrent/src/node.js';
import { loadClassifierFolder } from '../packages/cli/src/classify-speech-commands.js';
import { buildServer } from '../packages/cli/src/serve/server.js';
import { serveModel } from '../packages/cli/src/serve/served-models.js';
import { runLoad, spawnServer } from '../bench/load-client.js';
import { BACKEND_MODES, onKernels } from './backends.js';
import { CLI_ARGS, cliIn, oneLineError } from './cli-helpers.js';
import { pcm16 } from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'recurrent-serve-'));
after(() => rmSync(work, { recursive: true, force: true }));
const TEXT = 'the quick brown fox jumps over the lazy dog; a lazy cat naps in the sun. '.repeat(40);
const REQUESTS = [
  { prime: 'the', length: 30, seed: 1 }, { prime: '', length: 5, seed: 2, temperature: 0.5 }, { prime: 'fox j', length: 50, seed: 3, topK: 3 },
  { prime: 'lazy', length: 17, seed: 4, topP: 0.9 }, { prime: 'a', length: 1, seed: 5 }, { prime: 'sun', length: 0, seed: 6 },
];

async function smallModel(): Promise<TextGenerator> {
  const g = TextGenerator.create(TEXT, { hiddenSize: 24, numLayers: 2, embeddingSize: 8 }, 1);
  await g.train(TEXT, { steps: 15, batch: 4, seqLen: 20, evalEvery: 15 });
  return g;
}

describe('a long prime', () => {
  it('is read in chunks: the state and next-token logits of the whole prime read at once, in bounded memory', async () => {
    const g = await smallModel();
    const prime = TEXT.repeat(3).slice(0, 2 * PRIME_CHUNK + 37);
    const chunked = readPrime(g, prime, new Random(0));
    const ids = g.vocab.encode(prime).ids;
    const whole = inEvalMode(g.model, () => g.model.forward({ data: ids, shape: [1, ids.length] }, null));
    const V = g.vocab.size;
    const want = whole.logits.data.subarray((ids.length - 1) * V, ids.length * V);
    const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
    assert.ok(maxDiff(chunked.logits, want) < 1e-5, 'the next-token logits');
    assert.ok(maxDiff(chunked.state.h.data, whole.state.h.data) < 1e-5, 'the carried state');
    // A prime of 400,000 characters: read at once, its logits alone would be 400,000 x V floats.
    const forward = g.model.forward.bind(g.model);
    let longest = 0;
    g.model.forward = ((tokens: { shape: readonly number[] }, state: never) => {
      longest = Math.max(longest, tokens.shape[1]!);
      return forward(tokens as never, state);
    }) as typeof g.model.forward;
    const long = readPrime(g, TEXT.repeat(Math.ceil(400_000 / TEXT.length)).slice(0, 400_000), new Random(0));
    assert.equal(long.primeIds.length, 400_000);
    assert.equal(longest, PRIME_CHUNK, 'no forward pass reads more than a chunk');
  });

  it('is read a chunk per step in a batch: other sequences write meanwhile, and each writes what it writes alone', async () => {
    const g = await smallModel();
    const long = { prime: TEXT.slice(0, 3 * PRIME_CHUNK + 5), length: 6, seed: 3 };
    const short = { prime: 'the', length: 6, seed: 4 };
    const b = new GenerationBatch(g, 4);
    let longTokens = 0;
    let shortTokens = 0;
    const hl = b.add({ ...long, onToken: () => { longTokens++; } });
    const hs = b.add({ ...short, onToken: () => { shortTokens++; } });
    assert.equal(longTokens, 0, 'the long prime is not read at once');
    assert.equal(shortTokens, 1);
    b.step();
    b.step();
    assert.equal(longTokens, 0, 'two steps read two more chunks, not yet the whole prime');
    assert.equal(shortTokens, 3, 'the short sequence writes a token each step meanwhile');
    while (!hl.result || !hs.result) b.step();
    assert.equal(hl.result.text, g.generate(long).text);
    assert.equal(hs.result.text, g.generate(short).text);
    // Several long primes: one chunk per step between them, in turn.
    const forward = g.model.forward.bind(g.model);
    let reads = 0;
    g.model.forward = ((tokens: never, state: never) => {
      reads++;
      return forward(tokens, state);
    }) as typeof g.model.forward;
    const three = [5, 6, 7].map((seed) => b.add({ ...long, seed }));
    reads = 0;
    b.step();
    b.step();
    assert.equal(reads, 2, 'one chunk per step');
    while (three.some((h) => !h.result)) b.step();
    three.forEach((h, i) => assert.equal(h.result!.text, g.generate({ ...long, seed: 5 + i }).text));
    g.model.forward = forward;
    // A sequence cancelled while it reads its prime ends with nothing written.
    const hc = b.add({ ...long });
    hc.cancel();
    b.step();
    assert.deepEqual(hc.result && [hc.result.text, hc.result.complete], ['', false]);
    assert.equal(b.size, 0);
  });
});

for (const [mode, load] of BACKEND_MODES) {
  describe(`GenerationBatch (${mode})`, () => {
    onKernels(load);
    it('gives every sequence the tokens generate gives it alone, as sequences join, end and are cancelled', async () => {
      const g = await smallModel();
      const alone = REQUESTS.map((r) => g.generate(r).text);
      const b = new GenerationBatch(g, 4);
      const streamed: string[] = REQUESTS.map(() => '');
      const add = (i: number) => b.add({ ...REQUESTS[i]!, onToken: (t) => { streamed[i] += t; } });
      const hs = [add(0), add(1)];
      b.step();
      b.step();
      hs.push(add(2), add(3));
      assert.equal(b.hasRoom, false);
      assert.throws(() => b.add(REQUESTS[4]!), /full/);
      while (b.size === 4) b.step();
      hs.push(add(4), add(5));
      const cancelled = b.add({ prime: 'dog', length: 100, seed: 9 });
      b.step();
      cancelled.cancel();
      while (hs.some((h) => !h.result)) b.step();
      b.step();
      hs.forEach((h, i) => {
        assert.equal(h.result!.text, alone[i], `sequence ${i}`);
        assert.equal(streamed[i], alone[i], `sequence ${i}'s tokens as they came`);
        assert.equal(h.result!.complete, true);
      });
      assert.equal(cancelled.result!.complete, false);
      assert.ok(cancelled.result!.ids.length >= 1 && cancelled.result!.ids.length < 100);
      assert.equal(b.size, 0);
      b.dispose();
    });
  });
}

describe('recurrent serve: the HTTP API', () => {
  let url = '';
  let close: () => Promise<void> = async () => {};
  let g: TextGenerator;
  before(async () => {
    g = await smallModel();
    await saveTextModel(join(work, 'text'), g);
    g = await loadTextModel(join(work, 'text'));
    const rows = Array.from({ length: 120 }, (_, i) => JSON.stringify({ text: `${i % 2 ? 'good great fine' : 'bad awful poor'} day ${i}`, label: i % 2 ? 'pos' : 'neg' }));
    writeFileSync(join(work, 'labels.jsonl'), rows.join('\n'));
    const r = cliIn(work)('classify', 'train', 'labels.jsonl', '--epochs', '2', '--hidden', '8', '--embedding', '8', '--out', 'cls');
    assert.equal(r.status, 0, r.stderr);
    const limits = { maxLength: 500, maxTexts: 8, batching: { maxItems: 16, maxWaitMs: 2 } };
    const app = buildServer([await serveModel('text', join(work, 'text'), limits), await serveModel('cls', join(work, 'cls'), limits)], { bodyLimit: 64 * 1024, timeoutMs: 20_000 });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    close = () => app.close();
  });
  after(() => close());

  const post = async (path: string, body: unknown, type = 'application/json'): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  it('health and the model list name the models and their routes', async () => {
    const health = (await (await fetch(`${url}/health`)).json()) as { status: string; models: Array<{ name: string; task: string }> };
    assert.equal(health.status, 'ok');
    assert.deepEqual(health.models.map((m) => [m.name, m.task]), [['text', 'text-generation'], ['cls', 'text-classification']]);
    const list = (await (await fetch(`${url}/v1/models`)).json()) as { models: Array<{ url: string }> };
    assert.deepEqual(list.models.map((m) => m.url), ['/v1/models/text/generate', '/v1/models/cls/classify']);
    assert.ok(list.models.every((m) => !('folder' in m)) && !JSON.stringify(list).includes(work), 'no folder path is shown to clients');
    const bad = await fetch(`${url}/%`);
    assert.equal(bad.status, 400);
    assert.deepEqual(await bad.json(), { error: 'the URL cannot be decoded', statusCode: 400 });
  });

  it('generates what the library generates, as JSON and as server-sent events', async () => {
    const want = g.generate({ prime: 'the ', length: 40, seed: 7 }).text;
    const r = await post('/v1/models/text/generate', { prime: 'the ', length: 40, seed: 7 });
    assert.equal(r.status, 200);
    assert.equal(r.json.text, want);
    const res = await fetch(`${url}/v1/models/text/generate`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify({ prime: 'the ', length: 40, seed: 7 }) });
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const events = (await res.text()).trim().split('\n\n');
    assert.match(events[0]!, /^event: start/);
    const tokens = events.filter((e) => e.startsWith('data: ')).map((e) => (JSON.parse(e.slice(6)) as { token: string }).token);
    assert.equal(tokens.length, 40);
    assert.equal(tokens.join(''), want);
    assert.deepEqual(JSON.parse(events.at(-1)!.split('\n')[1]!.slice(6)), { text: want, tokens: 40 });
  });

  it('refuses bad requests with one clear line and the right status', async () => {
    const cases: Array<[string, unknown, number, RegExp, string?]> = [
      ['/v1/models/text/generate', { lenght: 4 }, 400, /unknown field 'lenght'.*prime, length/],
      ['/v1/models/text/generate', { length: '4' }, 400, /'length' .*must be integer/],
      ['/v1/models/text/generate', { length: 501 }, 400, /'length' .*<= 500/],
      ['/v1/models/text/generate', { topP: 2 }, 400, /'topP' .*<= 1/],
      ['/v1/models/text/generate', '{"length": 4', 400, /not valid JSON/],
      ['/v1/models/text/generate', 'length=4', 400, /expected a JSON object/, 'text/plain'],
      ['/v1/models/cls/classify', { texts: [] }, 400, /'texts' .*fewer than 1/],
      ['/v1/models/cls/classify', { texts: Array(9).fill('ok') }, 400, /'texts' .*more than 8/],
      ['/v1/models/cls/classify', {}, 400, /lacks 'texts'/],
      ['/v1/models/cls/classify', { texts: ['x'.repeat(70 * 1024)] }, 413, /larger than the limit of 65,536 bytes/],
      ['/v1/models/cls/generate', {}, 404, /'cls' \(text-classification\) does not generate: POST \/v1\/models\/cls\/classify/],
      ['/v1/models/nope/generate', {}, 404, /no model 'nope': this server has text, cls/],
      ['/v2/anything', {}, 404, /no route POST \/v2\/anything/],
      // Settings refused before a stream starts: a 400, not a 200 and then an error event.
      ['/v1/models/text/generate', { seed: 1e300, stream: true }, 400, /seed must be a safe integer, got 1e\+300/],
      ['/v1/models/text/generate', { seed: 1.5, stream: true }, 400, /'seed' .*must be integer/],
      // Valid JSON with a key that could reach a prototype is refused as such, not as "not valid JSON".
      ['/v1/models/text/generate', '{"__proto__": {"length": 4}, "prime": "a"}', 400, /a key '__proto__', which this server refuses/],
      ['/v1/models/cls/classify', '{"texts": ["a"], "x": {"constructor": {"prototype": {"y": 1}}}}', 400, /a key 'constructor\.prototype'/],
    ];
    for (const [path, body, status, pattern, type] of cases) {
      const r = await post(path, body, type);
      assert.equal(r.status, status, `${path} ${JSON.stringify(body).slice(0, 40)}: ${JSON.stringify(r.json)}`);
      assert.equal(r.json.statusCode, status);
      assert.match(String(r.json.error), pattern);
      assert.ok(!String(r.json.error).includes('\n'));
    }
  });

  it('loses nothing at 1, 8 and 64 clients, batched, with bad requests beside the load refused', async () => {
    for (const clients of [1, 8, 64]) {
      const gen = await runLoad({ url: `${url}/v1/models/text/generate`, clients, requests: Math.max(8, clients), sse: true, body: (i) => ({ prime: 'the', length: 20, seed: i, stream: true }) });
      assert.equal(gen.ok, gen.requests, `generation at ${clients} clients: ${JSON.stringify(gen.statuses)}`);
      assert.equal(gen.tokens, 20 * gen.requests);
    }
    const c = await loadClassifierFolder(join(work, 'cls'));
    const texts = Array.from({ length: 64 }, (_, i) => `${i % 3 ? 'good' : 'awful'} day number ${i}`);
    const answers: Array<Record<string, number>> = [];
    let bad = 0;
    let refused = 0;
    let stop = false;
    const badLoop = (async () => {
      for (; !stop; bad++) {
        const r = await post('/v1/models/cls/classify', bad % 2 ? '{"texts": [' : { texts: 'not a list' });
        if (r.status === 400) refused++;
      }
    })();
    const cls = await runLoad({
      url: `${url}/v1/models/cls/classify`, clients: 64, requests: 128,
      body: (i) => ({ texts: [texts[i % 64]!] }),
    });
    stop = true;
    await badLoop;
    assert.equal(cls.ok, 128, JSON.stringify(cls.statuses));
    assert.ok(bad > 0 && refused === bad, `${refused} of ${bad} bad requests refused`);
    // Batched answers are each text's own: the same probabilities as classifying it alone.
    for (const i of [0, 1, 2]) {
      const r = await post('/v1/models/cls/classify', { texts: [texts[i]!] });
      answers.push((r.json.results as Array<{ probabilities: Record<string, number> }>)[0]!.probabilities);
      const alone = c.predictProbabilities([texts[i]!])[0]!;
      c.labels.forEach((l, k) => assert.ok(Math.abs(answers[i]![l]! - alone[k]!) < 1e-6, `${texts[i]}: ${answers[i]![l]} against ${alone[k]}`));
    }
    const health = (await (await fetch(`${url}/health`)).json()) as { requests: { inFlight: number }; models: Array<{ load: { calls?: number; items?: number; steps?: number; tokens?: number } }> };
    // Streams and JSON answers are each counted once: only this request is in flight.
    assert.equal(health.requests.inFlight, 1);
    const gen = health.models[0]!.load;
    assert.ok(gen.tokens! > gen.steps!, `continuous batching: ${gen.tokens} tokens in ${gen.steps} steps`);
    const load = health.models[1]!.load;
    assert.ok(load.calls! < load.items!, `batching: ${load.items} texts in ${load.calls} calls`);
  });

  it('the ONNX export, run by onnxruntime, writes the same greedy text as the server', async () => {
    const session = await ort.InferenceSession.create(exportOnnx(g.model));
    const ids = Array.from(g.vocab.encode('the lazy ').ids);
    const start = ids.length;
    for (let k = 0; k < 25; k++) {
      const out = await session.run({ tokens: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]) });
      const logits = out.logits!.data as Float32Array;
      const V = g.vocab.size;
      const last = logits.subarray((ids.length - 1) * V, ids.length * V);
      ids.push(last.indexOf(Math.max(...last)));
    }
    const r = await post('/v1/models/text/generate', { prime: 'the lazy ', length: 25, topK: 1 });
    assert.equal(r.json.text, g.vocab.decode(ids.slice(start)));
  });
});

describe('recurrent serve: forecasting and translation folders', () => {
  it('answers with what the library answers', async () => {
    const day = (i: number): string => new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10);
    const csv = `date,sales\n${Array.from({ length: 120 }, (_, i) => `${day(i)},${(100 + 10 * Math.sin((2 * Math.PI * i) / 7)).toFixed(3)}`).join('\n')}\n`;
    writeFileSync(join(work, 'daily.csv'), csv);
    writeFileSync(join(work, 'pairs.tsv'), Array.from({ length: 40 }, (_, i) => `one ${i % 4} two\tun ${i % 4} deux`).join('\n'));
    const cli = cliIn(work);
    let r = cli('forecast', 'train', 'daily.csv', '--model', 'network', '--target', 'sales', '--horizon', '7', '--lookback', '14', '--epochs', '2', '--hidden', '8', '--out', 'fc');
    assert.equal(r.status, 0, r.stderr);
    r = cli('translate', 'train', 'pairs.tsv', '--epochs', '2', '--hidden', '8', '--embedding', '4', '--out', 'tr');
    assert.equal(r.status, 0, r.stderr);
    const limits = { maxLength: 2000, maxTexts: 8, batching: { maxItems: 4, maxWaitMs: 1 } };
    const app = buildServer([await serveModel('fc', join(work, 'fc'), limits), await serveModel('tr', join(work, 'tr'), limits)], { bodyLimit: 1 << 20, timeoutMs: 20_000 });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const post = async (path: string, body: object): Promise<{ status: number; json: Record<string, unknown> }> => {
        const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        return { status: res.status, json: (await res.json()) as Record<string, unknown> };
      };
      const f = await post('/v1/models/fc/forecast', { csv });
      assert.equal(f.status, 200, JSON.stringify(f.json));
      const targets = f.json.targets as Array<{ column: string; median: number[]; lower: number[]; upper: number[] }>;
      assert.equal((f.json.times as string[]).length, 7);
      assert.equal((f.json.times as string[])[0], `${day(120)}T00:00:00.000Z`);
      assert.equal(targets[0]!.column, 'sales');
      targets[0]!.median.forEach((m, h) => assert.ok(targets[0]!.lower[h]! <= m && m <= targets[0]!.upper[h]!));
      const bad = await post('/v1/models/fc/forecast', { csv: 'date,other\n2020-01-01,1\n' });
      assert.equal(bad.status, 400);
      assert.match(String(bad.json.error), /sales/);
      const t = await post('/v1/models/tr/translate', { text: 'one 2 two', beam: 2 });
      assert.equal(t.status, 200, JSON.stringify(t.json));
      assert.deepEqual(t.json.sourceTokens, ['one', '2', 'two']);
      assert.equal(typeof t.json.text, 'string');
      // One request cannot hold the server: a long source with a wide beam and a long output is refused before it starts.
      const heavy = await post('/v1/models/tr/translate', { text: 'one 2 two '.repeat(400), beam: 64, maxLength: 50 });
      assert.equal(heavy.status, 400);
      assert.match(String(heavy.json.error), /beam 64 x 50 output tokens over 1200 source tokens is 3,840,000 steps of attention, more than one request may ask/);
      const long = await post('/v1/models/tr/translate', { text: 'one 2 two '.repeat(667), maxLength: 1 });
      assert.equal(long.status, 400);
      assert.match(String(long.json.error), /the text has 2,001 tokens, more than one request may translate \(2,000\): send it in parts/);
    } finally {
      await app.close();
    }
    // Allowed work still ends at the time limit (504), and other requests are answered while it runs.
    const quick = buildServer([await serveModel('tr', join(work, 'tr'), limits)], { bodyLimit: 1 << 20, timeoutMs: 300 });
    const at = await quick.listen({ port: 0, host: '127.0.0.1' });
    try {
      const order: string[] = [];
      const slow = fetch(`${at}/v1/models/tr/translate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'one 2 two '.repeat(5), beam: 64, maxLength: 2000 }) })
        .then(async (res) => { order.push('translation'); return { status: res.status, json: (await res.json()) as { error: string } }; });
      await new Promise((ok) => setTimeout(ok, 50));
      const health = await fetch(`${at}/health`);
      order.push('health');
      assert.equal(health.status, 200);
      const r = await slow;
      assert.deepEqual(order, ['health', 'translation'], 'health answered while the translation ran');
      assert.equal(r.status, 504, JSON.stringify(r.json));
      assert.match(r.json.error, /translation ran past the time limit after \d+ of up to 2000 output tokens \(300 ms\)/);
    } finally {
      await quick.close();
    }
  });
});

describe('recurrent serve: a spoken-word folder, audio as base64', () => {
  it('names the word in a WAV file, and refuses what is not base64 WAV', async () => {
    // Two "words": a low tone and a high one, at a few pitches each.
    const tone = (hz: number): Uint8Array => pcm16(Array.from({ length: 4000 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / 8000)));
    const examples = [300, 320, 340, 360, 1500, 1600, 1700, 1800].map((hz) => ({ audio: parseWav(tone(hz)), label: hz < 1000 ? 'low' : 'high' }));
    const r = SpokenWordRecognizer.create(['low', 'high'], { hiddenSize: 8 }, 0);
    await r.train(examples, examples, { epochs: 12 });
    await saveModelFiles(join(work, 'words'), r.toFiles());
    const app = buildServer([await serveModel('words', join(work, 'words'), { maxLength: 10, maxTexts: 4, batching: { maxItems: 1, maxWaitMs: 0 } })], { bodyLimit: 1 << 20, timeoutMs: 20_000 });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const post = async (body: object): Promise<{ status: number; json: Record<string, unknown> }> => {
        const res = await fetch(`${url}/v1/models/words/recognize`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        return { status: res.status, json: (await res.json()) as Record<string, unknown> };
      };
      for (const hz of [330, 1650]) {
        const bytes = tone(hz);
        const got = await post({ wav: Buffer.from(bytes).toString('base64') });
        assert.equal(got.status, 200, JSON.stringify(got.json));
        assert.equal(got.json.word, r.predict([parseWav(bytes)])[0]);
      }
      const notBase64 = await post({ wav: 'not base64!' });
      assert.equal(notBase64.status, 400);
      assert.match(String(notBase64.json.error), /wav must be base64/);
      const notWav = await post({ wav: Buffer.from('hello there, not a wave file').toString('base64') });
      assert.equal(notWav.status, 400);
      assert.match(String(notWav.json.error), /the request's wav/);
    } finally {
      await app.close();
    }
  });
});

describe('recurrent serve: the command', () => {
  it('finishes the request in flight on SIGTERM, refuses new ones, and exits 0', async () => {
    const g = await smallModel();
    await saveTextModel(join(work, 'long'), g);
    const server = await spawnServer(CLI_ARGS, ['long', '--max-length', '100000'], work);
    const res = await fetch(`${server.url}/v1/models/long/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ length: 30000, stream: true }) });
    const reader = res.body!.getReader();
    await reader.read();
    const code = server.stop('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    // While the stream runs on, a new request is turned away (503, or the listener is already closed).
    const late = await fetch(`${server.url}/health`).then((r) => r.status, () => 'refused');
    assert.ok(late === 503 || late === 'refused', `a request after SIGTERM got ${late}`);
    let text = '';
    const decoder = new TextDecoder();
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += decoder.decode(r.value, { stream: true });
    assert.match(text, /event: done\ndata: \{"text":.*"tokens":30000\}/s);
    assert.equal(await code, 0, server.output());
    assert.match(server.output(), /SIGTERM: finishing the requests in flight, then stopping\nstopped/);
    await assert.rejects(fetch(`${server.url}/health`));
  });

  it('a client that sends half a body holds nothing: it is cut off at --timeout, and SIGTERM does not wait for it', async () => {
    const server = await spawnServer(CLI_ARGS, ['long', '--timeout', '2'], work);
    const { port } = new URL(server.url);
    const answer = new Promise<string>((ok) => {
      const socket = createConnection(Number(port), '127.0.0.1', () => {
        socket.write('POST /v1/models/long/generate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"length": ');
      });
      let got = '';
      socket.on('data', (d) => { got += d.toString(); });
      socket.on('close', () => ok(got));
      socket.on('error', () => ok(got));
    });
    await new Promise((r) => setTimeout(r, 200));
    const code = server.stop('SIGTERM');
    assert.equal(await code, 0, server.output());
    assert.doesNotMatch(await answer, /^HTTP\/1\.1 200/);
  });

  it('a folder it cannot serve is one line, naming what it serves', () => {
    writeFileSync(join(work, 'not-a-model.txt'), 'x');
    const r = cliIn(work)('serve', 'nothing-here');
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /^recurrent: error: .*nothing-here/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });

  it('a port out of range, a host that does not resolve and a port in use are one line each, not raw errors', async () => {
    const cli = cliIn(work);
    oneLineError(cli('serve', join(work, 'text'), '--port', '70000'), /--port expects an integer from 0 \(any free port\) to 65535, got '70000'/);
    oneLineError(cli('serve', join(work, 'text'), '--port', '-1'), /--port expects an integer from 0/);
    oneLineError(cli('serve', join(work, 'text'), '--host', 'no-such-host.invalid', '--port', '0'), /cannot listen on no-such-host\.invalid: no such host/);
    const blocker = createServer();
    await new Promise<void>((ok) => blocker.listen(0, '127.0.0.1', ok));
    const { port } = blocker.address() as { port: number };
    try {
      oneLineError(cli('serve', join(work, 'text'), '--port', String(port)), new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use`));
    } finally {
      blocker.close();
    }
  });
});
