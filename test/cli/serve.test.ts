/**
 * `parley serve`'s file server, on a folder made for the test: it serves the
 * files under the folder and nothing else, on this machine unless asked, and
 * says plainly when the page is not built or the port is taken.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portOf, type Serving, serve } from '../../cli/serve.ts';

const close = (server: Server) => new Promise((resolve) => server.close(resolve));

describe('parley serve', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-serve-'));
  const page = join(dir, 'page');
  mkdirSync(join(page, 'assets'), { recursive: true });
  writeFileSync(join(page, 'index.html'), '<!doctype html><title>parley</title>\n');
  writeFileSync(join(page, 'assets', 'app.js'), 'export const x = 1;\n');
  writeFileSync(join(dir, 'secret.txt'), 'not for the network\n');
  let serving: Serving;

  beforeAll(async () => {
    serving = await serve({ dir: page, port: 0 });
  });
  afterAll(async () => {
    await close(serving.server);
  });

  it('listens on 127.0.0.1 only and says how to open it to the network', () => {
    expect(serving.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(serving.lines).toEqual([
      `parley serve: the page is at ${serving.url}`,
      '  Only this machine can open it; to serve it on the local network: npx parley serve --host. Ctrl-C stops it.',
    ]);
  });

  it('serves index.html for the folder, and each file with its type and length', async () => {
    const index = await fetch(serving.url);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toBe('<!doctype html><title>parley</title>\n');
    const js = await fetch(new URL('assets/app.js?v=1', serving.url));
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('content-length')).toBe('20');
    expect(js.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers HEAD without a body, and refuses other methods', async () => {
    const head = await fetch(serving.url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await fetch(serving.url, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('serves nothing outside its folder, however the path is written', async () => {
    const port = new URL(serving.url).port;
    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/%2e%2e%5csecret.txt',
      '/missing.js',
      '/%zz',
      '/assets%00.js',
    ]) {
      // Raw paths: fetch would normalise the dots away before sending.
      const status = await new Promise<number>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1');
        let reply = '';
        socket.on('data', (b: Buffer) => {
          reply += b.toString();
        });
        socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(reply)?.[1])));
        socket.on('error', reject);
        socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      });
      expect(status, path).toBe(404);
    }
  });

  it('says the page is not built when its folder has no index.html', async () => {
    await expect(serve({ dir: join(dir, 'nothing'), port: 0 })).rejects.toThrow(
      /^the page is not built \(no .*index\.html\): run `npm run build` in the checkout/,
    );
  });

  it('names the port asked for when it is taken', async () => {
    const port = Number(new URL(serving.url).port);
    await expect(serve({ dir: page, port })).rejects.toThrow(
      `port ${port} is in use: choose another with --port N, or --port 0 for any free one`,
    );
  });

  it('moves to the next port when the default one is taken', async () => {
    const blocker = createServer();
    const taken = await new Promise<boolean>((resolve) => {
      blocker.once('error', () => resolve(false));
      blocker.listen(4173, '127.0.0.1', () => resolve(true));
    });
    try {
      const s = await serve({ dir: page });
      try {
        const port = Number(new URL(s.url).port);
        expect(port).toBeGreaterThan(4173);
        expect(port).toBeLessThanOrEqual(4173 + 20);
      } finally {
        await close(s.server);
      }
    } finally {
      if (taken) await close(blocker);
    }
  });

  it('takes --port from 0 to 65535 only', () => {
    expect(portOf('0')).toBe(0);
    expect(portOf('8080')).toBe(8080);
    for (const bad of ['65536', '-1', '80.5', 'http', ''])
      expect(() => portOf(bad), bad).toThrow(
        'a port number from 1 to 65535, or 0 for any free port',
      );
  });
});
