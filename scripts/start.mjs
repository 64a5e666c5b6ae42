/**
 * `npm start`: serves the page with vite on this machine only, prints its URL
 * and how to reach it from other machines. `npm start -- --host` serves it on
 * every network interface (students on the same network open the printed
 * address); `--port N` picks the port.
 */
import { createServer } from 'vite';

const args = process.argv.slice(2);
const known = new Set(['--host', '--port']);
for (const [i, a] of args.entries())
  if (a.startsWith('--') && !known.has(a.split('=')[0]) && args[i - 1] !== '--port') {
    process.stderr.write(
      `npm start: unknown option ${a}; use --host (every network interface) or --port N\n`,
    );
    process.exit(2);
  }
const everywhere = args.includes('--host');
const portArg = args.find((a, i) => a.startsWith('--port=') || args[i - 1] === '--port');
const port = portArg === undefined ? undefined : Number(portArg.replace('--port=', ''));
if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
  process.stderr.write(`npm start: --port ${portArg}: a port number from 1 to 65535\n`);
  process.exit(2);
}
const server = await createServer({
  server: { host: everywhere ? true : '127.0.0.1', ...(port === undefined ? {} : { port }) },
});
await server.listen();
server.printUrls();
process.stdout.write(
  everywhere
    ? '  Students on this network open the Network address above.\n'
    : '  Only this machine can open it; to serve the page on the local network: npm start -- --host\n',
);
