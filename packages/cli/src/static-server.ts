/**
 * A static file server for the playground on loopback, with the headers that
 * make the page cross-origin isolated (COOP same-origin, COEP require-corp),
 * so SharedArrayBuffer and the two-thread WebAssembly kernels are available in it.
 */
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { UsageError, listenError } from './errors.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm', '.png': 'image/png', '.svg': 'image/svg+xml',
};

export const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
} as const;

export interface StaticServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** The request's path, decoded; null for a URL that cannot be read (bad percent-encoding, a malformed host). */
function requestPath(url: string | undefined): string | null {
  try {
    return decodeURIComponent(new URL(url ?? '/', 'http://x').pathname);
  } catch {
    return null;
  }
}

/** The real path of an existing regular file inside `root` (itself real), or null: a symbolic link out of the folder is outside it. */
function servedFile(root: string, path: string): string | null {
  const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
  if (!file.startsWith(root) || !existsSync(file)) return null;
  const real = realpathSync(file);
  return real.startsWith(root) && statSync(real).isFile() ? real : null;
}

/** Serves `dir` on host:port (port 0: any free one); paths outside it, symbolic links out of it included, are 404; unreadable URLs 400. */
export async function serveStatic(dir: string, host: string, port: number): Promise<StaticServer> {
  if (!existsSync(join(dir, 'index.html'))) throw new UsageError(`${dir} has no index.html: build the playground first (npm run build:web)`);
  const root = normalize(realpathSync(dir) + sep);
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const path = requestPath(req.url);
    if (path === null) {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', ...ISOLATION_HEADERS }).end('bad request: the URL cannot be decoded\n');
      return;
    }
    const file = servedFile(root, path);
    if (file === null) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...ISOLATION_HEADERS }).end(`not found: ${path}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache', ...ISOLATION_HEADERS });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', (e) => fail(listenError(e, host, port)));
    server.listen(port, host, ok);
  });
  const address = server.address() as { port: number };
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${address.port}/`, server,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
