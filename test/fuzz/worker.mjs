// A worker thread of the command-line fuzz runner: runs parley command lines
// in this thread through cli/main.ts, capturing what they print.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../../cli/main.ts');

let out = '';
let err = '';
process.stdout.write = (chunk) => {
  out += String(chunk);
  return true;
};
process.stderr.write = (chunk) => {
  err += String(chunk);
  return true;
};

parentPort.on('message', async ({ index, argv }) => {
  out = '';
  err = '';
  const t0 = performance.now();
  let code;
  try {
    code = await main(argv);
  } catch (e) {
    code = 'threw';
    err += `\n[escaped main] ${e?.stack ?? e}`;
  }
  const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
  parentPort.postMessage({
    index,
    code,
    out: out.slice(0, 4000),
    err: err.slice(0, 4000),
    ms: performance.now() - t0,
    heapMb,
  });
});
parentPort.postMessage({ ready: true });
