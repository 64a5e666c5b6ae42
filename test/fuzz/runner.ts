/**
 * The command-line fuzz runner, a child process of the fuzz test: its working
 * folder is the sandbox's `work/` folder, where cases write their files and
 * where parley writes what it derives. It runs the cases on worker threads
 * with a memory limit each, ends a case that runs past its time by ending
 * its worker, and prints one JSON line per case.
 *
 *   node --import tsx test/fuzz/runner.ts SEED COUNT BUDGET_MS [CORPUS_DIR]
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type FuzzCase, fuzzCases } from './generate.ts';

const [seedText, countText, budgetText, corpusDir] = process.argv.slice(2);
const seed = Number(seedText);
const count = Number(countText);
const budgetMs = Number(budgetText);
/** Wall time one case may take before its worker is ended. */
const CASE_MS_MAX = 60_000;
/** Old-generation heap one worker may use. */
const HEAP_MB_MAX = 1024;
const WORKERS = 2;

const catalogDir = new URL('../../scenarios/catalog/', import.meta.url);
const catalog: Record<string, string> = {};
for (const f of readdirSync(catalogDir).filter((f) => f.endsWith('.yaml')))
  catalog[f.slice(0, -5)] = readFileSync(new URL(f, catalogDir), 'utf8');

const corpus: FuzzCase[] = [];
if (corpusDir !== undefined)
  for (const f of readdirSync(corpusDir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const c = JSON.parse(readFileSync(join(corpusDir, f), 'utf8')) as Omit<FuzzCase, 'index'>;
    corpus.push({ ...c, index: -1 - corpus.length, how: `corpus ${f}: ${c.how}` });
  }
const cases = [...corpus, ...fuzzCases(seed, count, catalog)];

/** The case's files in case-N/, and its command line with `{dir}` made that folder. */
function prepare(c: FuzzCase): string[] {
  const dir = `case${c.index}`;
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(c.files)) writeFileSync(join(dir, name), text);
  return c.argv.map((a) => (Object.hasOwn(c.files, a) ? join(dir, a) : a.replaceAll('{dir}', dir)));
}

const t0 = Date.now();
let next = 0;
const report = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);

async function lane(): Promise<void> {
  let worker: Worker | undefined;
  const fresh = () =>
    new Promise<Worker>((resolve, reject) => {
      const w = new Worker(new URL('./worker.mjs', import.meta.url), {
        resourceLimits: { maxOldGenerationSizeMb: HEAP_MB_MAX },
        stdout: false,
        stderr: true,
      });
      w.once('message', () => resolve(w));
      w.once('error', reject);
    });
  while (next < cases.length && (Date.now() - t0 < budgetMs || next < corpus.length)) {
    const c = cases[next++] as FuzzCase;
    const argv = prepare(c);
    worker ??= await fresh();
    const w = worker;
    const result = await new Promise<Record<string, unknown>>((resolve) => {
      const timer = setTimeout(() => {
        void w.terminate();
        resolve({ code: 'timeout', err: '', out: '', ms: CASE_MS_MAX });
      }, CASE_MS_MAX);
      const onMessage = (m: Record<string, unknown>) => {
        clearTimeout(timer);
        w.off('error', onError);
        resolve(m);
      };
      const onError = (e: Error) => {
        clearTimeout(timer);
        w.off('message', onMessage);
        resolve({
          code: (e as { code?: string }).code ?? 'worker-error',
          err: String(e),
          out: '',
          ms: 0,
        });
      };
      w.once('message', onMessage);
      w.once('error', onError);
      w.postMessage({ index: c.index, argv });
    });
    if (typeof result['code'] !== 'number') {
      await worker.terminate();
      worker = undefined;
    }
    report({ index: c.index, argv, how: c.how, files: c.files, ...result });
  }
  await worker?.terminate();
}

await Promise.all(Array.from({ length: WORKERS }, lane));
report({ done: true, ran: next, of: cases.length, ms: Date.now() - t0 });
