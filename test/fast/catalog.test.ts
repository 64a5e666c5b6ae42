/**
 * The differential test of the fast path on the catalogue: every scenario
 * and each of its variants, loaded once with xstate's protocols and once
 * with a registry of compiled ones, gives the same trace hash at every seed
 * tried; a difference names the first differing JSONL line. The 1,000-seed
 * run is `npx tsx scripts/fast-diff.ts --seeds 1000`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogCassette } from '../../cli/cassettes.ts';
import { registerProcessHost } from '../../cli/process-host.ts';
import { PROTOCOLS, SCHEDULERS } from '../../scenarios/protocols/index.ts';
import { compare, describeDifference, fastCopy, isFast } from '../../sim/fast/diff.ts';
import { compileMachine, FastMachine } from '../../sim/fast/index.ts';
import { loadScenario, type Protocol, recordedModelHost } from '../../sim/index.ts';

const dir = join(import.meta.dirname, '..', '..', 'scenarios', 'catalog');
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.slice(0, -'.yaml'.length))
  .sort();

/**
 * Seeds per scenario and variant: SEEDS, or fewer once the xstate runs took
 * EVENTS_BUDGET events (a thousand ticks of a metastable retry storm are
 * 150,000 events a run), but never fewer than SEEDS_MIN. The 1,000-seed
 * script runs every configuration in full.
 */
const SEEDS = 30;
const SEEDS_MIN = 3;
const EVENTS_BUDGET = 250_000;

const fastProtocols: ReadonlyMap<string, Protocol> = new Map(
  [...PROTOCOLS].map(([name, p]) => [name, fastCopy(p)]),
);

registerProcessHost();

describe('the fast path on the catalogue', () => {
  it('compiles every protocol parley ships', () => {
    const refused = [...PROTOCOLS]
      .map(([name, p]) => [name, compileMachine(p.machine)] as const)
      .filter(([, c]) => !(c instanceof FastMachine))
      .map(([name, c]) => `${name}: ${(c as { unsupported: string }).unsupported}`);
    expect(refused).toEqual([]);
  });

  for (const name of names) {
    const text = readFileSync(join(dir, `${name}.yaml`), 'utf8');
    const load = (protocols: ReadonlyMap<string, Protocol>, variant?: string) => {
      const loaded = loadScenario(text, {
        protocols,
        schedulers: SCHEDULERS,
        file: `scenarios/catalog/${name}.yaml`,
        ...(variant === undefined ? {} : { variant }),
      });
      // Agents that are programs run as they are on either path, started from the catalogue's folder.
      return { ...loaded, scenario: { ...loaded.scenario, processBase: dir } };
    };
    const variants = Object.keys(load(PROTOCOLS).source.variants ?? {});
    it(`${name}${variants.length > 0 ? ` and its variants (${variants.join(', ')})` : ''}: the same trace hashes as xstate`, () => {
      const differences: string[] = [];
      for (const variant of [undefined, ...variants]) {
        const label = `${name}${variant === undefined ? '' : ` --variant ${variant}`}`;
        const xstate = load(PROTOCOLS, variant).scenario;
        const fast = load(fastProtocols, variant).scenario;
        expect(
          fast.agents
            .filter((a) => a.process === undefined && !isFast(a.protocol))
            .map((a) => a.id),
          `${label}: agents left on xstate`,
        ).toEqual([]);
        let events = 0;
        const cassette = catalogCassette(name);
        const models = cassette === undefined ? undefined : () => recordedModelHost(cassette);
        // Programs start afresh for every run (a second or so for five Python nodes): the fewest seeds.
        const seeds = xstate.agents.some((a) => a.process !== undefined) ? SEEDS_MIN : SEEDS;
        for (let seed = 1; seed <= seeds && (seed <= SEEDS_MIN || events < EVENTS_BUDGET); seed++) {
          const c = compare(xstate, fast, seed, false, models);
          // A scenario whose agents ask a model answers from its cassette: at its documented seed both runs must run.
          if (seed === 1 && models !== undefined)
            expect(c.threw, `${label} seed 1 threw instead of running`).toBeUndefined();
          events += c.events;
          const d = c.difference;
          if (d !== undefined)
            differences.push(
              `${describeDifference(label, d)}\n  reproduce: npx tsx scripts/fast-diff.ts --scenario ${name}${variant === undefined ? '' : ` --variant ${variant}`} --seeds ${seed}:${seed}`,
            );
        }
      }
      expect(differences).toEqual([]);
    });
  }
});
