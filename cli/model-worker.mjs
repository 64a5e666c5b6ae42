// The thread that speaks HTTP to a language model for cli/model-host.ts.
// The engine is synchronous: the main thread posts one attempt and sleeps on
// a shared flag (Atomics.wait) until this thread, whose event loop does the
// request, posts the outcome and wakes it. One attempt per message: the
// retries, their backoff and the judging of replies are the main thread's.
// Each answer carries its request's id, so an answer that comes after the
// main thread gave up on it is told from the next one's. Plain JavaScript,
// so it loads the same from the TypeScript sources and from the compiled
// command line. The API key comes with each attempt and is never kept.
import { workerData } from 'node:worker_threads';

const { port, flag } = workerData;
const flags = new Int32Array(flag);
/** Most characters of a body kept (a reply larger than this is cut, and found malformed). */
const BODY_MAX = 16 << 20;

function answer(value) {
  port.postMessage(value);
  Atomics.store(flags, 0, 1);
  Atomics.notify(flags, 0);
}

/** The system error code under a fetch failure (ECONNREFUSED, ECONNRESET, …), if any. */
function codeOf(err) {
  for (let e = err; e != null; e = e.cause) if (typeof e.code === 'string') return e.code;
  return undefined;
}

async function attempt(req) {
  const headers = { 'content-type': 'application/json', accept: 'application/json' };
  if (typeof req.key === 'string') headers.authorization = `Bearer ${req.key}`;
  const signal = AbortSignal.timeout(req.timeoutMs);
  let res;
  try {
    res = await fetch(req.url, { method: 'POST', headers, body: req.body, signal });
  } catch (err) {
    if (signal.aborted || err?.name === 'TimeoutError' || err?.name === 'AbortError')
      return { failure: 'timeout' };
    return { failure: 'network', code: codeOf(err) ?? String(err?.message ?? err) };
  }
  let text;
  try {
    text = await res.text();
  } catch (err) {
    if (signal.aborted) return { failure: 'timeout', status: res.status };
    // The connection ended inside the body: a truncated reply.
    return { status: res.status, text: '', truncated: codeOf(err) ?? String(err?.message ?? err) };
  }
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    text: text.length > BODY_MAX ? text.slice(0, BODY_MAX) : text,
  };
}

port.on('message', (req) => {
  attempt(req).then(
    (out) => answer({ id: req.id, ...out }),
    (err) => answer({ id: req.id, failure: 'network', code: String(err?.message ?? err) }),
  );
});
