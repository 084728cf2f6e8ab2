/**
 * The playground's static server under requests any page could send (issue
 * #37, loopback only): a URL that cannot be decoded is a 400 and the server
 * lives on; a symbolic link out of the folder is not served.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type StaticServer, serveStatic } from '../packages/cli/src/static-server.js';

/** Sends one raw request line (what fetch would refuse to send) and returns the status code, or null if the connection closed without one. */
function rawStatus(port: number, requestLine: string): Promise<number | null> {
  return new Promise((ok, fail) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`${requestLine}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    let got = '';
    socket.setTimeout(5000, () => socket.destroy(new Error(`no answer to ${requestLine}`)));
    socket.on('data', (b) => { got += b.toString('latin1'); });
    socket.on('error', fail);
    socket.on('close', () => ok(/^HTTP\/1\.1 (\d{3})/.exec(got) ? Number(/^HTTP\/1\.1 (\d{3})/.exec(got)![1]) : null));
  });
}

describe('the playground\'s static server, abused', () => {
  let s: StaticServer;
  let port = 0;
  before(async () => {
    const work = mkdtempSync(join(tmpdir(), 'recurrent-static-'));
    const site = join(work, 'site');
    mkdirSync(site);
    writeFileSync(join(site, 'index.html'), '<!doctype html><title>t</title>');
    writeFileSync(join(work, 'secret.txt'), 'outside the folder');
    symlinkSync(join(work, 'secret.txt'), join(site, 'link.txt'));
    symlinkSync(work, join(site, 'up'));
    s = await serveStatic(site, '127.0.0.1', 0);
    port = Number(new URL(s.url).port);
  });
  after(async () => s.close());

  it('a URL that cannot be decoded gets 400, and the server keeps answering', async () => {
    for (const line of ['GET /% HTTP/1.1', 'GET /%E0%A4%A HTTP/1.1', 'GET http://[ HTTP/1.1', 'GET /%C0%AF HTTP/1.1']) {
      const status = await rawStatus(port, line);
      assert.ok(status === 400, `${line}: ${status}`);
    }
    assert.equal((await fetch(s.url)).status, 200, 'still serving');
  });

  it('symbolic links out of the folder are not served, a file or a folder', async () => {
    assert.equal((await fetch(new URL('link.txt', s.url))).status, 404);
    assert.equal((await fetch(new URL('up/secret.txt', s.url))).status, 404);
    assert.equal((await fetch(new URL('index.html', s.url))).status, 200);
  });
});
