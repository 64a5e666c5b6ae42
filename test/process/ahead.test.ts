/**
 * Steps sent ahead (ProcessHost.ahead): the engine writes later steps to
 * their programs while it waits for another, and the trace must be the one
 * of stepping them one at a time. The programs here are scripted in this
 * file, no processes: each one's answers depend on every line it was ever
 * written (a running digest), so a line sent ahead that the engine then
 * neither stepped nor ended the program for would change the trace.
 */
import { describe, expect, it } from 'vitest';
import { relay } from '../../scenarios/protocols/relay.ts';
import {
  type FaultSpec,
  PROCESS_PROTOCOL,
  type ProcessHost,
  type ProcessStep,
  runScenario,
  type Scenario,
} from '../../sim/index.ts';

/** FNV-1a of `text`, continuing from `h`. */
function fnv(h: number, text: string): number {
  let x = h;
  for (let i = 0; i < text.length; i++) x = Math.imul(x ^ text.charCodeAt(i), 16777619) >>> 0;
  return x;
}

interface Program {
  digest: number;
  id: string;
  peers: string[];
  /** Answers computed for lines written ahead, oldest first, with their lines. */
  early: { key: string; step: ProcessStep }[];
}

const line = (src: string, dest: string, body: Record<string, unknown>) =>
  JSON.stringify({ src, dest, body });

/**
 * One scripted step: tokens forwarded to a peer the digest picks, and now
 * and then a timer set, reset or cancelled, an act or a spend (answered at
 * the same tick), a note, or a line that is not JSON (a crash).
 */
function answer(p: Program, input: string): ProcessStep {
  p.digest = fnv(p.digest, input);
  const msg = JSON.parse(input) as { src: string; body: Record<string, unknown> };
  const body = msg.body;
  const r = p.digest % 100;
  const out: string[] = [];
  const token = (hops: number) =>
    out.push(
      line(p.id, p.peers[p.digest % p.peers.length] as string, {
        type: 'token',
        hops,
        digest: p.digest,
      }),
    );
  switch (body['type']) {
    case 'init':
      p.peers = (body['node_ids'] as string[]).filter((n) => n !== p.id);
      out.push(line(p.id, 'parley', { type: 'init_ok', in_reply_to: 1 }));
      out.push(line(p.id, 'parley', { type: 'parley/set_timer', name: 'beat', ticks: 2 }));
      token(0);
      break;
    case 'token':
      token((body['hops'] as number) + 1);
      if (r < 8) out.push(line(p.id, 'parley', { type: 'parley/act', capability: 'db.read' }));
      else if (r < 12) out.push(line(p.id, 'parley', { type: 'parley/spend', amount: 1 }));
      else if (r < 20)
        out.push(line(p.id, 'parley', { type: 'parley/set_timer', name: 'beat', ticks: 1 }));
      else if (r < 24)
        out.push(line(p.id, 'parley', { type: 'parley/cancel_timer', name: 'beat' }));
      else if (r === 99) out.push('not json');
      break;
    case 'parley/timer':
      out.push(line(p.id, 'parley', { type: 'parley/note', data: p.digest }));
      out.push(line(p.id, 'parley', { type: 'parley/set_timer', name: 'beat', ticks: 3 }));
      if (r < 30) token(0);
      break;
    default:
      out.push(line(p.id, 'parley', { type: 'parley/hold', value: p.digest }));
  }
  return { lines: out };
}

/** Runs the scripted programs; with `ahead`, takes steps ahead as a real host does. */
class ScriptedHost implements ProcessHost {
  readonly programs = new Map<string, Program>();
  /** Steps taken while another step was already written ahead: the overlap sending ahead buys. */
  overlapped = 0;
  ahead?: (agent: string, lines: readonly string[]) => boolean;

  constructor(withAhead: boolean) {
    if (withAhead)
      this.ahead = (agent, lines) => {
        const p = this.programs.get(agent);
        if (p === undefined) return false;
        p.early.push({ key: lines.join('\n'), step: answer(p, lines.join('\n')) });
        return true;
      };
  }

  start(agent: string): void {
    this.programs.set(agent, { digest: 2166136261, id: agent, peers: [], early: [] });
  }

  step(agent: string, lines: readonly string[]): ProcessStep {
    const p = this.programs.get(agent);
    if (p === undefined) throw new Error(`${agent} stepped while not running`);
    const key = lines.join('\n');
    const early = p.early.shift();
    for (const q of this.programs.values()) if (q.early.length > 0) this.overlapped++;
    if (early === undefined) return answer(p, key);
    if (early.key !== key) throw new Error(`${agent}: stepped with a line it was not sent ahead`);
    return early.step;
  }

  stop(agent: string): void {
    this.programs.delete(agent);
  }

  close(): void {
    this.programs.clear();
  }
}

const AGENTS = 6;

function scenario(
  latency: readonly [number, number],
  faults: readonly FaultSpec[],
  xstate: boolean,
): Scenario {
  return {
    name: 'ahead',
    agents: Array.from({ length: AGENTS }, (_, i) =>
      xstate && i === AGENTS - 1
        ? { id: `a${i}`, protocol: relay, params: { tokens: 1, hopsMax: 1000 } }
        : {
            id: `a${i}`,
            protocol: PROCESS_PROTOCOL,
            params: {},
            process: { command: ['none'] },
            // Spends past it are refused, answered at the same tick as the act results are.
            budget: 5,
          },
    ),
    network: {
      defaults: {
        dropRatio: 0.05,
        duplicateRatio: 0.05,
        latency: { kind: 'uniform', ticksMin: latency[0], ticksMax: latency[1] },
      },
    },
    faults: [...faults],
    limits: { eventsMax: 3000, ticksMax: 400 },
  };
}

const FAULTS: readonly (readonly FaultSpec[])[] = [
  [],
  [
    { kind: 'crash', agent: 'a1', tick: 20, tickRestart: 40 },
    { kind: 'partition', groups: [['a0', 'a2']], tickStart: 30, tickEnd: 60 },
    { kind: 'omission', agent: 'a3', receiveRatio: 0.3, tickStart: 10, tickEnd: 80 },
    { kind: 'skew', agent: 'a4', rate: 3, tickStart: 0 },
  ],
  [
    { kind: 'churn', upMeanTicks: 20, downMeanTicks: 5 },
    { kind: 'random-partition', gapMeanTicks: 15, durationMeanTicks: 5 },
  ],
];

function hashOf(s: Scenario, seed: number, host: ScriptedHost): string {
  return runScenario(s, { seed, engine: 'xstate', processes: host }).trace.hash();
}

describe('steps sent ahead to programs', () => {
  for (const latency of [
    [0, 2],
    [1, 1],
    [1, 4],
  ] as const)
    it(`gives the trace of one step at a time, latency ${latency[0]} to ${latency[1]} ticks, with crashes, partitions, omission, skew and an xstate agent`, () => {
      let overlapped = 0;
      for (const faults of FAULTS)
        for (const xstate of [false, true])
          for (let seed = 1; seed <= 16; seed++) {
            const s = scenario(latency, faults, xstate);
            const ahead = new ScriptedHost(true);
            const want = hashOf(s, seed, new ScriptedHost(false));
            const got = hashOf(s, seed, ahead);
            expect(
              got,
              `seed ${seed}, faults ${JSON.stringify(faults)}, xstate ${xstate}: npx vitest run test/process/ahead.test.ts`,
            ).toBe(want);
            overlapped += ahead.overlapped;
          }
      // Not vacuous: steps did go ahead.
      expect(overlapped).toBeGreaterThan(1000);
    });

  it('sends nothing ahead under a trust model, whose gateway draws for each delivery in turn', () => {
    const s: Scenario = {
      ...scenario([1, 2], [], false),
      trust: {
        zones: ['low', 'high'],
        mitigations: {
          gateway: { zone: 'high', detectRatio: 0.5, falsePositiveRatio: 0.1, action: 'block' },
        },
      },
    };
    const ahead = new ScriptedHost(true);
    expect(hashOf(s, 1, ahead)).toBe(hashOf(s, 1, new ScriptedHost(false)));
    expect(ahead.overlapped).toBe(0);
  });
});
