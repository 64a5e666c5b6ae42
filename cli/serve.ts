/**
 * `parley serve`: the page as `npm run build` wrote it (dist/, which the
 * package ships, built at `npm pack`), from a small static file server on
 * node:http: no vite, no build at run time. On this machine only unless
 * asked (`--host`), as `npm start` does. Node only.
 */
import { createReadStream, existsSync, type Stats, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { networkInterfaces } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '@commander-js/extra-typings';
import { UsageError } from './errors.ts';

/** Where the built page is: dist/ beside cli/. */
export const PAGE_DIR = fileURLToPath(new URL('../dist/', import.meta.url));
/** The port tried first when none is given (vite preview's), then the next ones. */
export const SERVE_PORT_DEFAULT = 4173;
/** Ports tried after the default one when it is taken. */
const PORT_TRIES_MAX = 20;
/** Connections served at once; more wait in the kernel's queue. */
const CONNECTIONS_MAX = 256;
/** Longest request path read, in characters. */
const PATH_LENGTH_MAX = 2048;

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.yaml': 'text/yaml; charset=utf-8',
};

export interface ServeOptions {
  /** `true`: every network interface; a string: that address; absent: 127.0.0.1. */
  readonly host?: string | boolean | undefined;
  /** 0 for any free port; absent: SERVE_PORT_DEFAULT or the next free one. */
  readonly port?: number | undefined;
  /** The folder served; default PAGE_DIR. */
  readonly dir?: string;
}

export interface Serving {
  readonly server: Server;
  /** The URL printed first: this machine's, or the address asked for. */
  readonly url: string;
  /** What the command prints, one line each. */
  readonly lines: readonly string[];
}

/** A TCP port number given on the command line: 0 to 65535. Throws commander's InvalidArgumentError. */
export function portOf(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535)
    throw new InvalidArgumentError('a port number from 1 to 65535, or 0 for any free port');
  return n;
}

/** The file a request path names inside `dir`, or undefined (outside it, missing, not a file). */
function fileFor(dir: string, urlPath: string): { file: string; stat: Stats } | undefined {
  let path: string;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (path.includes('\0') || path.length > PATH_LENGTH_MAX) return undefined;
  let file = resolve(dir, `.${path.startsWith('/') ? path : `/${path}`}`);
  if (file !== dir && !file.startsWith(dir + sep)) return undefined;
  let stat = statSync(file, { throwIfNoEntry: false });
  if (stat?.isDirectory() === true) {
    file = join(file, 'index.html');
    stat = statSync(file, { throwIfNoEntry: false });
  }
  return stat?.isFile() === true ? { file, stat } : undefined;
}

function respond(dir: string, req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('only GET and HEAD\n');
    return;
  }
  const path = (req.url ?? '/').split(/[?#]/, 1)[0] as string;
  const found = fileFor(dir, path);
  if (found === undefined) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('not found\n');
    return;
  }
  res.writeHead(200, {
    'Content-Type': TYPES[extname(found.file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': found.stat.size,
    // The page changes when it is built again; the browser asks each time.
    'Cache-Control': 'no-cache',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(found.file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

/** Listens on `port` at `host`; resolves with the port bound, rejects with the listen error. */
function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolveListen, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      const address = server.address();
      resolveListen(typeof address === 'object' && address !== null ? address.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

const urlOf = (host: string, port: number) =>
  `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;

/** This machine's IPv4 addresses that other machines can reach. */
function networkAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && a.family === 'IPv4' && !a.internal)
    .map((a) => (a as { address: string }).address);
}

/**
 * Starts serving the built page and returns the server, its URL and the
 * lines to print. Throws a UsageError when the page is not built, or when
 * the port asked for (or every port tried) is taken or refused.
 */
export async function serve(options: ServeOptions = {}): Promise<Serving> {
  const dir = resolve(options.dir ?? PAGE_DIR);
  if (!existsSync(join(dir, 'index.html')))
    throw new UsageError(
      `the page is not built (no ${join(dir, 'index.html')}): run \`npm run build\` in the checkout, which writes it; \`npm start\` serves it from the sources`,
    );
  const everywhere = options.host === true;
  const host =
    typeof options.host === 'string' ? options.host : everywhere ? '0.0.0.0' : '127.0.0.1';
  const server = createServer((req, res) => respond(dir, req, res));
  server.maxConnections = CONNECTIONS_MAX;
  const ports =
    options.port !== undefined
      ? [options.port]
      : Array.from({ length: PORT_TRIES_MAX + 1 }, (_, i) => SERVE_PORT_DEFAULT + i);
  let port: number | undefined;
  for (const candidate of ports) {
    try {
      port = await listen(server, candidate, host);
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const last = candidate === ports.at(-1);
      if (code === 'EADDRINUSE' && !last) continue;
      throw new UsageError(
        code === 'EADDRINUSE'
          ? options.port !== undefined
            ? `port ${candidate} is in use: choose another with --port N, or --port 0 for any free one`
            : `ports ${ports[0]} to ${candidate} are all in use: choose one with --port N, or --port 0 for any free one`
          : `cannot serve on ${host} port ${candidate}: ${code ?? (err as Error).message}`,
      );
    }
  }
  const bound = port as number;
  const local = everywhere ? urlOf('127.0.0.1', bound) : urlOf(host, bound);
  const lines = everywhere
    ? [
        'parley serve: the page is at',
        `  Local:   ${local}`,
        ...networkAddresses().map((a) => `  Network: ${urlOf(a, bound)}`),
        '  Students on this network open the Network address above. Ctrl-C stops it.',
      ]
    : [
        `parley serve: the page is at ${local}`,
        host === '127.0.0.1'
          ? '  Only this machine can open it; to serve it on the local network: npx parley serve --host. Ctrl-C stops it.'
          : '  Ctrl-C stops it.',
      ];
  return { server, url: local, lines };
}
