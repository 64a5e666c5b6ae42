/**
 * Settings that silently do nothing (issue 13): an override whose path has no
 * effect is a problem naming the override and why, and one setting has one
 * spelling in a scenario file (network keys directly under `network` or under
 * `network.defaults`, `honest` or `compromised`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../sim/index.ts';
import { problems, registry } from '../fixtures/load-problems.ts';

const catalogued = (name: string) =>
  readFileSync(
    join(import.meta.dirname, '..', '..', 'scenarios', 'catalog', `${name}.yaml`),
    'utf8',
  );

/** Two agents listed one by one, network keys directly under `network`. */
const LIST = catalogued('two-generals');

/** A group of agents, network keys under `network.defaults`. */
const GROUP = `name: group
protocol: paxos
params: { retryTicks: 40 }
agents:
  count: 3
  idPrefix: p
  agents:
    p1: { params: { input: b } }
    p2: { compromised: true }
network:
  defaults:
    dropRatio: 0.2
    latency: { kind: constant, ticks: 2 }
`;

const load = (text: string, overrides: string[] = []) =>
  loadScenario(text, { ...registry, overrides });

const LINK_WORDS =
  'keys directly under network and under network.defaults mean the same: the defaults of every link';

describe('an override into a list', () => {
  it('refuses a key that is not an index, saying what to write instead', () => {
    expect(problems(LIST, ['agents.count=3'])).toEqual([
      'f.yaml: override agents.count=3: agents: is a list of 2 agents here (alpha, beta), so agents.count means nothing: set one agent by its index (agents.0.…, agents.1.…), or write the agents in the file as a group (agents: { count: 3, … })',
    ]);
    expect(problems(LIST, ['checks.expect=holds'])).toEqual([
      'f.yaml: override checks.expect=holds: checks: is a list of 2 here, so checks.expect means nothing: name an entry by its index (checks.0 to checks.1)',
    ]);
  });

  it('refuses an index past the end, naming the length; the index just past the last adds one', () => {
    expect(problems(LIST, ['agents.5.params.role=first'])).toEqual([
      'f.yaml: override agents.5.params.role=first: agents: is a list of 2 here (agents.0 to agents.1), so agents.5 is past its end: change an entry that is there, add one at agents.2, or set the whole list (agents=[…])',
    ]);
    expect(problems(LIST, ['faults.1.kind=crash'])).toEqual([
      'f.yaml: override faults.1.kind=crash: faults: has no entries here, so faults.1 is past its end: add the first at faults.0, or set the whole list (faults=[…])',
    ]);
    expect(load(LIST, ['checks.2={property: validity}']).source.checks).toHaveLength(3);
    expect(load(LIST, ['faults.0={kind: crash, agent: beta, tick: 5}']).scenario.faults).toEqual([
      { kind: 'crash', agent: 'beta', tick: 5 },
    ]);
  });

  it('refuses a number as a key into a group of agents', () => {
    expect(problems(GROUP, ['agents.0.params.input=b'])).toEqual([
      'f.yaml: override agents.0.params.input=b: agents: is a group of 3 agents here (ids p0 to p2), so agents.0 means nothing: set one agent by its id (agents.agents.p0.…) or every agent (agents.params.…)',
    ]);
  });
});

describe('an override through a value that is not a map or a list', () => {
  it('names the override and the value in the way', () => {
    expect(problems(LIST, ['network.dropRatio.x=1'])).toEqual([
      'f.yaml: override network.dropRatio.x=1: network.dropRatio: is the number 0.3 here, not a map or a list, so network.dropRatio.x names nothing: set network.dropRatio itself (network.dropRatio=…)',
    ]);
    expect(problems(LIST, ['params.plan.0=retreat'])).toEqual([
      'f.yaml: override params.plan.0=retreat: params.plan: is the text "attack at dawn" here, not a map or a list, so params.plan.0 names nothing: set params.plan itself (params.plan=…)',
    ]);
  });
});

describe('network keys: directly under network or under network.defaults, not both', () => {
  it('reads either spelling the same', () => {
    const short = GROUP.replace('  defaults:\n    dropRatio', '  dropRatio').replace(
      '    latency',
      '  latency',
    );
    expect(load(short).scenario.network).toEqual(load(GROUP).scenario.network);
    expect(load(GROUP, ['network.defaults.dropRatio=0.4']).scenario.network?.defaults).toEqual({
      dropRatio: 0.4,
      latency: { kind: 'constant', ticks: 2 },
    });
    // A key the file gives in neither place may be given in either.
    expect(load(GROUP, ['network.fifo=true']).scenario.network?.defaults?.fifo).toBe(true);
  });

  it('refuses one key in both places in the file, at the second, whichever comes first', () => {
    const both =
      'name: d\nprotocol: paxos\nagents: { count: 3 }\nnetwork:\n  dropRatio: 0.1\n  defaults:\n    dropRatio: 0.2\n';
    expect(problems(both)).toEqual([
      `f.yaml:7:5: network.defaults.dropRatio: is the same setting as network.dropRatio (line 5), given twice (${LINK_WORDS}); keep one`,
    ]);
    const reversed =
      'name: d\nprotocol: paxos\nagents: { count: 3 }\nnetwork:\n  defaults: { dropRatio: 0.2 }\n  dropRatio: 0.1\n';
    expect(problems(reversed)).toEqual([
      `f.yaml:6:3: network.dropRatio: is the same setting as network.defaults.dropRatio (line 5), given twice (${LINK_WORDS}); keep one`,
    ]);
  });

  it('refuses an override of the spelling the file does not use, naming the one to write', () => {
    expect(problems(GROUP, ['network.dropRatio=0.3'])).toEqual([
      `f.yaml: override network.dropRatio=0.3: network.dropRatio: is the same setting as network.defaults.dropRatio, which this scenario gives (${LINK_WORDS}); write network.defaults.dropRatio=0.3 instead`,
    ]);
    expect(problems(GROUP, ['network.latency.ticks=5'])).toEqual([
      `f.yaml: override network.latency.ticks=5: network.latency: is the same setting as network.defaults.latency, which this scenario gives (${LINK_WORDS}); write network.defaults.latency.ticks=5 instead`,
    ]);
    expect(problems(LIST, ['network.defaults.dropRatio=0.1'])).toEqual([
      `f.yaml: override network.defaults.dropRatio=0.1: network.defaults.dropRatio: is the same setting as network.dropRatio, which this scenario gives (${LINK_WORDS}); write network.dropRatio=0.1 instead`,
    ]);
    expect(problems(LIST, ['network.defaults={dropRatio: 0.1}'])).toEqual([
      `f.yaml: override network.defaults={dropRatio: 0.1}: network.defaults.dropRatio: is the same setting as network.dropRatio, which this scenario gives (${LINK_WORDS}); set network.dropRatio instead`,
    ]);
  });

  it('names the earlier override when two overrides give both spellings', () => {
    const plain = 'name: d\nprotocol: paxos\nagents: { count: 3 }\n';
    expect(problems(plain, ['network.dropRatio=0.1', 'network.defaults.dropRatio=0.2'])).toEqual([
      `f.yaml: override network.defaults.dropRatio=0.2: network.defaults.dropRatio: is the same setting as network.dropRatio, which override network.dropRatio=0.1 gives (${LINK_WORDS}); write network.dropRatio=0.2 instead`,
    ]);
  });

  it('places a problem found after building at the spelling the file used', () => {
    const mixed =
      'name: d\nprotocol: paxos\nagents: { count: 3 }\nnetwork:\n  defaults: { dropRatio: 0.1 }\n  latency: { kind: uniform, ticksMin: 5, ticksMax: 2 }\n';
    expect(problems(mixed)).toEqual([
      'f.yaml:6:52: network.latency.ticksMax: must be at least ticksMin (5)',
    ]);
  });
});

describe('honest and compromised: one setting', () => {
  it('refuses both in one agent', () => {
    const both =
      'name: d\nprotocol: paxos\nagents:\n  - { id: a, honest: false, compromised: true }\n  - { id: b }\n';
    expect(problems(both)).toEqual([
      'f.yaml:4:29: agents.0.compromised: is the same setting as agents.0.honest (line 4), given twice (compromised: true means honest: false); keep one',
    ]);
  });

  it('refuses an override of the other spelling, naming the one to write', () => {
    expect(problems(GROUP, ['agents.agents.p2.honest=true'])).toEqual([
      'f.yaml: override agents.agents.p2.honest=true: agents.agents.p2.honest: is the same setting as agents.agents.p2.compromised, which this scenario gives (compromised: true means honest: false); write agents.agents.p2.compromised=false instead',
    ]);
    expect(load(GROUP, ['agents.agents.p2.compromised=false']).scenario.agents[2]?.honest).toBe(
      undefined,
    );
  });

  it('lets an agent of a group say honest: true over the group saying compromised: true', () => {
    const text = GROUP.replace('  idPrefix: p\n', '  idPrefix: p\n  compromised: true\n').replace(
      'p2: { compromised: true }',
      'p2: { honest: true }',
    );
    expect(load(text).scenario.agents.map((a) => a.honest)).toEqual([false, false, undefined]);
  });
});

describe('overrides of parts of the file that are no part of a run', () => {
  it('refuses seed, description and variants, saying why', () => {
    expect(problems(LIST, ['seed=5'])).toEqual([
      "f.yaml: override seed=5: seed: is the seed the file documents, not a setting of the scenario: choose a run's seed itself (--seed 5 for parley run, --seeds for parley sweep, the seed field on the page)",
    ]);
    expect(problems(LIST, ['description=x'])).toEqual([
      'f.yaml: override description=x: description: is the line parley list shows; it changes no run, so an override of it does nothing',
    ]);
    expect(problems(LIST, ['variants.more-hops.overrides=[params.hops=8]'])).toEqual([
      'f.yaml: override variants.more-hops.overrides=[params.hops=8]: variants: are read before any override, so variants.more-hops.overrides changes nothing: choose a variant with --variant and give overrides of your own with --set',
    ]);
  });

  it('keeps sweep overrides, which the sweep command reads', () => {
    expect(load(LIST, ['sweep.seeds=5']).source.sweep?.seeds).toBe(5);
  });

  it('already refuses an agent of a group that is not in it', () => {
    expect(problems(GROUP, ['agents.agents.p7.params.input=c'])).toEqual([
      'f.yaml: override agents.agents.p7.params.input=c: agents.agents.p7: no agent "p7" in this group: ids run from p0 to p2',
    ]);
  });

  it('already refuses an empty value where a setting needs one', () => {
    expect(problems(LIST, ['network.dropRatio='])).toEqual([
      'f.yaml: override network.dropRatio=: network.dropRatio: must be a number, got nothing (null)',
    ]);
  });
});

describe('an override replaced by a later one', () => {
  it("is refused when the later one sets the same path or a map above it; a variant's value may be replaced", () => {
    expect(problems(LIST, ['network.dropRatio=0.1', 'network.dropRatio=0.2'])).toEqual([
      'f.yaml: override network.dropRatio=0.1: network.dropRatio: is set again by the later override network.dropRatio=0.2, so this one does nothing; give each path once',
    ]);
    expect(problems(LIST, ['params.hops=3', 'params={hops: 4}'])).toEqual([
      'f.yaml: override params.hops=3: params.hops: is set again by the later override params={hops: 4}, so this one does nothing; give each path once',
    ]);
    // A map first, then a value inside it: both count.
    expect(problems(LIST, ['params={hops: 4, deadlineTicks: 50}', 'params.hops=3'])).toEqual([]);
    // The variant sets params.hops=6; the user's own value replaces it.
    const loaded = loadScenario(LIST, {
      ...registry,
      variant: 'more-hops',
      overrides: ['params.hops=8'],
    });
    expect(loaded.source.params?.['hops']).toBe(8);
  });
});
