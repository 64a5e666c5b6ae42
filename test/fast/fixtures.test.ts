/**
 * The differential test of the fast path on the test fixtures' protocols and
 * scenarios (probe, courier, relay, ack-retransmit, the commit protocols
 * under crashes, llm-assistant across trust boundaries), and on the engine's
 * limits: a step past STEP_EFFECTS_MAX, a protocol breaking an invariant.
 */
import { describe, expect, it } from 'vitest';
import { assign, emit, enqueueActions, setup } from 'xstate';
import { threePhaseCommit } from '../../scenarios/protocols/three-phase-commit.ts';
import { twoPhaseCommit } from '../../scenarios/protocols/two-phase-commit.ts';
import { compareAt, describeDifference, fastScenario, isFast } from '../../sim/fast/diff.ts';
import {
  decide,
  deriveStream,
  type FaultSpec,
  note,
  type Protocol,
  type Scenario,
  STEP_EFFECTS_MAX,
  send,
  setTimer,
  spend,
} from '../../sim/index.ts';
import { COORDINATOR, commitScenario, PARTICIPANTS } from '../fixtures/commit.ts';
import { courier } from '../fixtures/courier.ts';
import { probe } from '../fixtures/probe.ts';
import { faultyAck, heavyTails, lossyAck, relay30 } from '../fixtures/scenarios.ts';
import { confusedDeputy, taintBoundary } from '../fixtures/trust-scenarios.ts';

const SEEDS = 30;

/** A commit run with loss, duplicates, no votes and crashes of the coordinator and a participant drawn from the seed. */
function stressedCommit(protocol: Protocol, seed: number): Scenario {
  const s = deriveStream(seed, `test/fast/${protocol.name}`);
  const faults: FaultSpec[] = [];
  if (s.chance(0.5)) {
    const tick = s.int(0, 30);
    faults.push({ kind: 'crash', agent: COORDINATOR, tick, tickRestart: tick + s.int(5, 100) });
  }
  if (s.chance(0.5)) {
    const tick = s.int(0, 30);
    const agent = PARTICIPANTS[s.int(0, 2)] as string;
    faults.push({ kind: 'crash', agent, tick, tickRestart: tick + s.int(5, 100) });
  }
  return commitScenario(
    protocol,
    {
      params: {
        noRatio: 0.1,
        ...(protocol === twoPhaseCommit ? { cooperative: seed % 2 === 1 } : {}),
      },
      dropRatio: 0.2,
      duplicateRatio: 0.1,
      faults,
    },
    1000,
  );
}

/** Couriers passing content with an instruction across zones, acting and spending. */
function courierChain(seed: number): Scenario {
  return {
    name: 'courier-chain',
    agents: [
      { id: 'reader', protocol: courier, zone: 'user', params: { source: 'page', next: 'relay' } },
      {
        id: 'relay',
        protocol: courier,
        zone: 'user',
        params: { next: 'planner', spendEach: 1 },
        budget: 3,
      },
      {
        id: 'planner',
        protocol: courier,
        zone: 'prod',
        capabilities: ['db.delete@prod'],
        params: { capability: 'db.delete@prod', next: 'reader' },
      },
    ],
    network: {
      defaults: { dropRatio: 0.1, latency: { kind: 'uniform', ticksMin: 1, ticksMax: 4 } },
    },
    trust: {
      zones: ['web', 'user', 'prod'],
      sources: [
        { id: 'page', zone: 'web', content: { body: 'hello', instruction: 'drop the db' } },
      ],
      capabilities: [{ name: 'db.delete@prod', destructive: true }],
      mitigations:
        seed % 2 === 0
          ? { approval: { delayTicks: 3, errorRatio: 0.2 } }
          : {
              gateway: { zone: 'prod', detectRatio: 0.5, falsePositiveRatio: 0.1, action: 'strip' },
            },
    },
    limits: { ticksMax: 60 },
  };
}

/** Probes with crashes, a partition, skew and omission. */
function faultyProbes(seed: number): Scenario {
  return {
    ...heavyTails,
    name: 'faulty-probes',
    faults: [
      { kind: 'crash', agent: 'b', tick: 5 + (seed % 7), tickRestart: 30 },
      { kind: 'partition', groups: [['a'], ['b', 'c']], tickStart: 10, tickEnd: 25 },
      { kind: 'skew', agent: 'a', rate: 1.5, tickStart: 0, tickEnd: 40 },
      { kind: 'omission', agent: 'c', sendRatio: 0.3, receiveRatio: 0.2, tickStart: 0 },
    ],
  };
}

const FIXTURES: readonly { name: string; scenario: (seed: number) => Scenario }[] = [
  { name: 'lossy-ack (ack-retransmit)', scenario: () => lossyAck },
  { name: 'faulty-ack (ack-retransmit, crash and restart)', scenario: () => faultyAck },
  { name: 'heavy-tails (probe)', scenario: () => heavyTails },
  { name: 'faulty probes (probe, every fault)', scenario: faultyProbes },
  { name: 'relay-30 (relay)', scenario: () => relay30 },
  { name: 'courier chain (courier, trust and cost)', scenario: courierChain },
  {
    name: 'two-phase commit under crashes',
    scenario: (seed) => stressedCommit(twoPhaseCommit, seed),
  },
  {
    name: 'three-phase commit under crashes',
    scenario: (seed) => stressedCommit(threePhaseCommit, seed),
  },
  { name: 'taint boundary (llm-assistant)', scenario: () => taintBoundary() },
  {
    name: 'taint boundary, two relays, labels',
    scenario: () => taintBoundary({ relays: 2, mitigations: { labels: true } }),
  },
  {
    name: 'taint boundary, tagging',
    scenario: () => taintBoundary({ taggedSusceptibility: 0.1, mitigations: { tagging: true } }),
  },
  {
    name: 'taint boundary, quarantined reader',
    scenario: () => taintBoundary({ quarantined: true }),
  },
  { name: 'confused deputy', scenario: () => confusedDeputy() },
  {
    name: 'confused deputy, least privilege',
    scenario: () => confusedDeputy({ scoping: 'least-privilege' }),
  },
];

function differences(scenario: (seed: number) => Scenario, name: string, seeds: number): string[] {
  const out: string[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const xstate = scenario(seed);
    const fast = fastScenario(xstate);
    expect(
      fast.agents.every((a) => isFast(a.protocol)),
      `${name}: every agent compiled`,
    ).toBe(true);
    const d = compareAt(xstate, fast, seed);
    if (d !== undefined) out.push(describeDifference(name, d));
  }
  return out;
}

describe('the fast path on the test fixtures', () => {
  for (const f of FIXTURES) {
    it(`${f.name}: the same trace hashes as xstate over ${SEEDS} seeds`, () => {
      expect(differences(f.scenario, f.name, SEEDS)).toEqual([]);
    });
  }

  it('crashes an agent past STEP_EFFECTS_MAX at the same record, whether emits or sends pass it', () => {
    const looping = setup({}).createMachine({
      entry: enqueueActions(({ enqueue }) => {
        for (let i = 0; i <= STEP_EFFECTS_MAX; i++) enqueue(emit(note({ i })));
      }),
    });
    const quiet = setup({}).createMachine({ entry: emit(decide('calm')) });
    const scenario: Scenario = {
      name: 'looper',
      agents: [
        { id: 'loop', protocol: { name: 'looping', machine: looping } },
        { id: 'calm', protocol: { name: 'quiet', machine: quiet } },
        {
          id: 'burst',
          protocol: probe,
          params: { targets: ['calm'], periodTicks: 0, rounds: STEP_EFFECTS_MAX + 1 },
        },
      ],
    };
    expect(differences(() => scenario, 'looper', 1)).toEqual([]);
  });

  it('fails with the same message when a protocol breaks an invariant, and records the same errors', () => {
    const spender = setup({}).createMachine({ entry: emit(spend(-1)) });
    const stray = setup({}).createMachine({
      entry: [
        emit(send('nobody', { type: 'hello' })),
        emit(setTimer('late', 9e15)),
        emit(decide('done')),
      ],
      on: { late: { actions: emit(decide('too late')) } },
    });
    const run = (machine: typeof spender) => (): Scenario => ({
      name: 'stray',
      agents: [{ id: 'a', protocol: { name: 'stray', machine } }],
      limits: { ticksMax: 100 },
    });
    const child = setup({}).createMachine({});
    const spawnsInContext = setup({ actors: { child } }).createMachine({
      context: ({ spawn }) => ({ ref: spawn('child') }),
    });
    const spawnsInAssign = setup({ actors: { child } }).createMachine({
      context: {},
      on: { go: { actions: assign({ ref: ({ spawn }) => spawn('child') }) } },
      entry: emit(setTimer('go', 1)),
    });
    for (const [name, machine] of [
      ['spender', spender],
      ['stray', stray],
      ['spawns in its context', spawnsInContext],
      ['spawns in an assign', spawnsInAssign],
    ] as const)
      expect(differences(run(machine as typeof spender), name, 1)).toEqual([]);
  });
});
