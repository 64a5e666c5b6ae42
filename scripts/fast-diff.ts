/**
 * The fast path's differential run over the catalogue: every scenario and
 * variant (or the one named), each seed run on xstate and on the compiled
 * machines, the two trace hashes compared; a difference prints the first
 * differing JSONL line. Exits 1 on any difference.
 *
 *   npx tsx scripts/fast-diff.ts --seeds 1000 [--jobs 2] [--scenario NAME [--variant V]]
 *
 * --seeds N runs seeds 1..N, --seeds A:B seeds A..B; --jobs J splits the
 * seeds over J processes (seed % J); --lines compares the lines the hash
 * covers instead of the hashes (the same verdict, a few times faster).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalogCassette } from '../cli/cassettes.ts';
import { registerProcessHost } from '../cli/process-host.ts';
import { tuneV8 } from '../cli/v8.ts';
import { PROTOCOLS, SCHEDULERS } from '../scenarios/protocols/index.ts';
import { compare, describeDifference, fastCopy, isFast } from '../sim/fast/diff.ts';
import {
  loadScenario,
  type ModelHost,
  type Protocol,
  recordedModelHost,
  type Scenario,
} from '../sim/index.ts';

const CATALOG = join(import.meta.dirname, '..', 'scenarios', 'catalog');

interface Options {
  first: number;
  last: number;
  jobs: number;
  scenario: string | undefined;
  variant: string | undefined;
  hashes: boolean;
  /** `k/J`: this process runs the seeds s with s % J === k, and prints JSON. */
  part: { k: number; of: number } | undefined;
}

function parse(argv: readonly string[]): Options {
  const o: Options = {
    first: 1,
    last: 100,
    jobs: 1,
    scenario: undefined,
    variant: undefined,
    hashes: true,
    part: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--seeds') {
      const v = value();
      const m = /^(\d+):(\d+)$/.exec(v);
      if (m) {
        o.first = Number(m[1]);
        o.last = Number(m[2]);
      } else o.last = Number(v);
      if (!(Number.isSafeInteger(o.first) && Number.isSafeInteger(o.last) && o.first <= o.last))
        throw new Error(`--seeds takes N or A:B, got ${v}`);
    } else if (flag === '--jobs') o.jobs = Math.max(1, Number(value()) | 0);
    else if (flag === '--scenario') o.scenario = value();
    else if (flag === '--variant') o.variant = value();
    else if (flag === '--lines') o.hashes = false;
    else if (flag === '--part') {
      const [k, of] = value().split('/').map(Number);
      o.part = { k: k as number, of: of as number };
    } else throw new Error(`unknown flag ${flag}`);
  }
  return o;
}

interface Configuration {
  readonly label: string;
  readonly xstate: Scenario;
  readonly fast: Scenario;
  /** A fresh model host per run, answering from the scenario's cassette, when its agents ask a model. */
  readonly models: (() => ModelHost) | undefined;
}

// Agents that are programs run as they are on either path.
registerProcessHost();

const fastProtocols: ReadonlyMap<string, Protocol> = new Map(
  [...PROTOCOLS].map(([name, p]) => [name, fastCopy(p)]),
);

/** Every catalogue scenario and variant (or the one asked for), loaded on both paths. */
function configurations(o: Options): Configuration[] {
  const names = readdirSync(CATALOG)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .filter((n) => o.scenario === undefined || n === o.scenario)
    .sort();
  if (names.length === 0) throw new Error(`no catalogue scenario ${o.scenario}`);
  const out: Configuration[] = [];
  for (const name of names) {
    const text = readFileSync(join(CATALOG, `${name}.yaml`), 'utf8');
    const load = (protocols: ReadonlyMap<string, Protocol>, variant: string | undefined) => {
      const loaded = loadScenario(text, {
        protocols,
        schedulers: SCHEDULERS,
        file: `scenarios/catalog/${name}.yaml`,
        ...(variant === undefined ? {} : { variant }),
      });
      // Programs start from the catalogue's folder, as `parley run` starts them.
      return { ...loaded, scenario: { ...loaded.scenario, processBase: CATALOG } };
    };
    const cassette = catalogCassette(name);
    const models = cassette === undefined ? undefined : () => recordedModelHost(cassette);
    const variants =
      o.variant !== undefined
        ? [o.variant]
        : [undefined, ...Object.keys(load(PROTOCOLS, undefined).source.variants ?? {})];
    for (const variant of variants) {
      const label = `${name}${variant === undefined ? '' : ` --variant ${variant}`}`;
      const fast = load(fastProtocols, variant).scenario;
      const slow = fast.agents
        .filter((a) => a.process === undefined && !isFast(a.protocol))
        .map((a) => a.protocol.name);
      if (slow.length > 0) throw new Error(`${label}: ${slow.join(', ')} did not compile`);
      out.push({ label, xstate: load(PROTOCOLS, variant).scenario, fast, models });
    }
  }
  return out;
}

/** What one process found for one configuration. */
interface Found {
  label: string;
  seeds: number;
  events: number;
  differences: string[];
}

function runPart(o: Options, k: number, of: number): Found[] {
  return configurations(o).map((c) => {
    const found: Found = { label: c.label, seeds: 0, events: 0, differences: [] };
    for (let seed = o.first; seed <= o.last; seed++) {
      if (seed % of !== k) continue;
      const r = compare(c.xstate, c.fast, seed, o.hashes, c.models);
      found.seeds++;
      found.events += r.events;
      if (r.difference !== undefined)
        found.differences.push(describeDifference(c.label, r.difference));
    }
    return found;
  });
}

function inProcess(k: number, of: number, argv: readonly string[]): Promise<Found[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), ...argv, '--part', `${k}/${of}`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`part ${k}/${of} exited with ${code}`));
      else resolve(JSON.parse(out) as Found[]);
    });
  });
}

async function main(): Promise<number> {
  tuneV8();
  const argv = process.argv.slice(2);
  const o = parse(argv);
  if (o.part !== undefined) {
    process.stdout.write(JSON.stringify(runPart(o, o.part.k, o.part.of)));
    return 0;
  }
  const t0 = performance.now();
  const parts =
    o.jobs === 1
      ? [runPart(o, 0, 1)]
      : await Promise.all(Array.from({ length: o.jobs }, (_, k) => inProcess(k, o.jobs, argv)));
  const merged = (parts[0] ?? []).map((f, i) => ({
    label: f.label,
    seeds: parts.reduce((n, p) => n + (p[i]?.seeds ?? 0), 0),
    events: parts.reduce((n, p) => n + (p[i]?.events ?? 0), 0),
    differences: parts.flatMap((p) => p[i]?.differences ?? []),
  }));
  let runs = 0;
  let differing = 0;
  for (const f of merged) {
    runs += f.seeds;
    differing += f.differences.length;
    console.log(
      `${f.label}: ${f.seeds} seeds, ${f.events.toLocaleString('en')} events, ${f.differences.length === 0 ? 'same trace hashes' : `${f.differences.length} differ`}`,
    );
    for (const d of f.differences.slice(0, 3)) console.log(`  ${d.replaceAll('\n', '\n  ')}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `\n${merged.length} configurations, seeds ${o.first}..${o.last}, ${runs} run pairs, ${differing} with different ${o.hashes ? 'hashes' : 'lines'}, ${seconds.toFixed(0)} s`,
  );
  return differing === 0 ? 0 : 1;
}

process.exitCode = await main();
