import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readmeWithTables } from '../../scenarios/protocols/docs.ts';
import { PROTOCOLS } from '../../scenarios/protocols/index.ts';
import { loadScenario, type ModelHost, runScenario, scenarioJsonSchema } from '../../sim/index.ts';
import {
  PARAM_TICKS_MAX,
  paramTable,
  paramValueProblems,
  sharedParamsFor,
} from '../../sim/scenario/index.ts';
import type { ParamSpecs } from '../../sim/spec.ts';
import { problems, registry } from '../fixtures/load-problems.ts';

/** Answers a model agent's every ask with no action (llm-agent asks at start). */
const waiting: ModelHost = { complete: () => ({ content: '{"actions":[]}' }), close() {} };

const root = join(import.meta.dirname, '..', '..');

const VOTE = `name: vote
protocol: compromised
agents:
  - { id: a }
  - { id: b, honest: false, params: { atack: equivocate } }
  - { id: c, params: { attack: equivocat } }
`;

const HANDOFF = `name: handoff
protocol: handoff
agents:
  - { id: boss, params: { role: orchestrator, tasks: 20 } }
  - { id: w1 }
  - { id: w2 }
`;

const MIXED = `name: mixed
params: { fanout: 2, hopsMax: 5 }
agents:
  - { id: g, protocol: gossip }
  - { id: r, protocol: relay, params: { tokens: 3 } }
`;

describe('protocol parameters in scenario files', () => {
  it('refuses a misspelt parameter and an enum typo, with their positions and a did-you-mean', () => {
    expect(problems(VOTE)).toEqual([
      'f.yaml:5:39: agents.1.params.atack: unknown parameter "atack" of protocol compromised (did you mean "attack"?)',
      'f.yaml:6:32: agents.2.params.attack: unknown value "equivocat" (did you mean "equivocate"?); use one of none, equivocate, forge, replay',
    ]);
  });

  it('names the override that puts a parameter out of its range', () => {
    expect(problems(HANDOFF, ['agents.0.params.tasks=1e9'])).toEqual([
      'f.yaml: override agents.0.params.tasks=1e9: agents.0.params.tasks: must be at most 10000, got the number 1000000000',
    ]);
    expect(problems(HANDOFF, [`params.ackTimeoutTicks=9e15`])).toEqual([
      `f.yaml: override params.ackTimeoutTicks=9e15: params.ackTimeoutTicks: must be at most ${PARAM_TICKS_MAX}, got the number 9000000000000000`,
    ]);
  });

  it('refuses an override of a parameter no protocol of the scenario has (--vary params.nonexistent=1,2)', () => {
    for (const value of [1, 2])
      expect(problems(HANDOFF, [`params.nonexistent=${value}`])).toEqual([
        `f.yaml: override params.nonexistent=${value}: params.nonexistent: unknown parameter "nonexistent" of protocol handoff; parameters: role, tasks, ackTimeoutTicks, retriesMax, idempotent, terminationDetection`,
      ]);
  });

  it('refuses a scenario-level parameter that no protocol of the scenario declares', () => {
    expect(problems(MIXED.replace('hopsMax: 5', 'hopsMax: 5, bogus: 1'))).toEqual([
      'f.yaml:2:34: params.bogus: unknown parameter "bogus" of protocols gossip, relay; parameters: mode, fanout, informed, roundTicks, roundsMax, roundsAfterInformedMax, interestLoss, interestLossK, tokens, hopsMax',
    ]);
  });

  it('gives each agent only the scenario-level parameters its own protocol declares, then its own', () => {
    const { scenario } = loadScenario(MIXED, registry);
    expect(scenario.agents.map((a) => [a.id, a.params])).toEqual([
      ['g', { fanout: 2 }],
      ['r', { hopsMax: 5, tokens: 3 }],
    ]);
  });

  it('reports parameter problems together with the schema problems, in file order', () => {
    const text = `name: mixed
params: { fanout: 0 }
agents:
  - { id: g, protocol: gossip, params: { mode: pull, informed: yes } }
  - { id: r, protocol: relay, params: { tokens: 1.5, hops: 3 } }
network: { dropRatio: 2 }
`;
    expect(problems(text)).toEqual([
      'f.yaml:2:19: params.fanout: must be at least 1, got the number 0',
      'f.yaml:4:48: agents.0.params.mode: unknown value "pull"; use one of push, push-pull, anti-entropy',
      'f.yaml:4:64: agents.0.params.informed: must be true or false, got the text "yes"',
      'f.yaml:5:49: agents.1.params.tokens: must be a whole number, got the number 1.5',
      'f.yaml:5:54: agents.1.params.hops: unknown parameter "hops" of protocol relay; parameters: tokens, hopsMax',
      'f.yaml:6:23: network.dropRatio: must be at most 1, got the number 2',
    ]);
  });

  it('checks agent ids and lists of them against the scenario, and the group params of every member', () => {
    const text = `name: ring
protocol: averaging
agents:
  count: 3
  params: { rounds: 4 }
  agents:
    a0: { params: { neighbors: [a1, a9] } }
`;
    expect(problems(text)).toEqual([
      'f.yaml:5:13: agents.params.rounds: unknown parameter "rounds" of protocol averaging; parameters: input, neighbors, rule, trimF, roundTicks, roundsMax, byzantineValue, byzantineDriftPerRound',
      'f.yaml:7:37: agents.agents.a0.params.neighbors.1: unknown agent "a9" (did you mean "a0"?)',
    ]);
  });

  it('says what is wrong with a value in the words of the other problems', () => {
    const ids = new Set(['a', 'b']);
    const ratio = { type: 'number', min: 0, max: 1, meaning: 'm' } as const;
    expect(paramValueProblems(Number.NaN, ratio, ids)).toEqual([
      [[], 'must be a number, got the number NaN'],
    ]);
    expect(paramValueProblems(Number.POSITIVE_INFINITY, ratio, ids)).toEqual([
      [[], 'must be at most 1, got the number Infinity'],
    ]);
    expect(paramValueProblems('x', { type: 'agent', meaning: 'm' }, ids)).toEqual([
      [[], 'unknown agent "x" (did you mean "a"?)'],
    ]);
    expect(paramValueProblems('x', { type: 'agent', meaning: 'm' }, new Set())).toEqual([]);
    expect(paramValueProblems([], { type: 'strings', itemsMin: 1, meaning: 'm' }, ids)).toEqual([
      [[], 'must list at least 1'],
    ]);
    expect(paramValueProblems({ any: [1] }, { type: 'json', meaning: 'm' }, ids)).toEqual([]);
  });

  it('passes every scenario-level parameter to a protocol without a declaration', () => {
    const bare = { name: 'bare', machine: PROTOCOLS.get('relay')?.machine } as never;
    expect(sharedParamsFor({ x: 1, tokens: 2 }, bare)).toEqual({ x: 1, tokens: 2 });
    expect(sharedParamsFor({ x: 1, tokens: 2 }, PROTOCOLS.get('relay'))).toEqual({ tokens: 2 });
  });

  it('loads every sweep point of every catalogue scenario', () => {
    const dir = join(root, 'scenarios', 'catalog');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
      const text = readFileSync(join(dir, file), 'utf8');
      const { source } = loadScenario(text, { ...registry, file });
      for (const [path, values] of Object.entries(source.sweep?.params ?? {}))
        for (const value of values)
          expect(
            problems(text, [`${path}=${JSON.stringify(value)}`]),
            `${file} ${path}=${JSON.stringify(value)}`,
          ).toEqual([]);
    }
  });
});

describe('protocol parameter declarations', () => {
  it('declare every parameter each protocol file reads, and nothing it does not', () => {
    const dir = join(root, 'scenarios', 'protocols');
    const byFile = new Map<string, string>();
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.ts')))
      byFile.set(f, readFileSync(join(dir, f), 'utf8'));
    for (const [name, protocol] of PROTOCOLS) {
      // Without import specifiers such as './params.ts'.
      const source = (byFile.get(`${name}.ts`) ?? '').replace(/from '[^']*'/g, '');
      // Reads of input.params (or of a local copy named p or params).
      const read = new Set<string>();
      for (const m of source.matchAll(/\b(?:params|p)(?:\[['"]([\w-]+)['"]\]|\.(\w+))/g)) {
        const key = (m[1] ?? m[2]) as string;
        if (!['default', 'map', 'length'].includes(key)) read.add(key);
      }
      const declared = Object.keys(protocol.params ?? {});
      expect(declared.length, `${name} declares its parameters`).toBeGreaterThan(0);
      expect(
        [...read].filter((k) => !declared.includes(k)),
        `${name} reads undeclared`,
      ).toEqual([]);
      expect(
        declared.filter((k) => !read.has(k)),
        `${name} declares unread`,
      ).toEqual([]);
    }
  });

  it('bound values the engine runs: every protocol at the ends of each numeric range', () => {
    for (const [name, protocol] of PROTOCOLS)
      for (const [key, spec] of Object.entries(protocol.params ?? {})) {
        if (spec.type !== 'number' && spec.type !== 'integer') continue;
        for (const value of [spec.min, spec.max]) {
          const text = JSON.stringify({
            name: 'edge',
            protocol: name,
            // With the value of another parameter that makes this one read, when it needs one.
            params: {
              [key]: value,
              ...(spec.onlyWhen === undefined
                ? {}
                : { [spec.onlyWhen.param]: spec.onlyWhen.in[0] }),
            },
            agents: { count: 4 },
            limits: { ticksMax: 30, eventsMax: 20_000 },
          });
          const { scenario } = loadScenario(text, registry);
          expect(
            runScenario(scenario, { seed: 1, models: waiting }).events,
            `${name} ${key}=${value}`,
          ).toBeGreaterThan(0);
        }
      }
  }, 60_000);

  it('keep each default inside its own range and among its values', () => {
    for (const [name, protocol] of PROTOCOLS)
      for (const [key, spec] of Object.entries(protocol.params ?? {})) {
        if (spec.default === undefined) {
          expect(spec.defaultIs, `${name}.${key} says its default`).toBeTypeOf('string');
          continue;
        }
        expect(paramValueProblems(spec.default, spec, new Set()), `${name}.${key}`).toEqual([]);
      }
  });

  it('render as a Markdown table with name, type, range, default, unit and meaning', () => {
    const specs: ParamSpecs = {
      tasks: {
        type: 'integer',
        min: 0,
        max: 10_000,
        default: 10,
        unit: 'tasks',
        role: 'orchestrator',
        meaning: 'tasks to hand out',
      },
      mode: { type: 'enum', values: ['push', 'push-pull'], default: 'push', meaning: 'a | b' },
      peers: { type: 'agents', defaultIs: 'all other agents', meaning: 'who hears it' },
    };
    expect(paramTable(specs)).toBe(
      [
        '| name | type | range or values | default | unit | meaning |',
        '|---|---|---|---|---|---|',
        '| `tasks` | integer | 0 to 10,000 | 10 | tasks | (orchestrator) tasks to hand out |',
        "| `mode` | enum | 'push', 'push-pull' | 'push' |  | a \\| b |",
        '| `peers` | list of agent ids |  | all other agents |  | who hears it |',
      ].join('\n'),
    );
  });

  it('are documented in the JSON Schema of every params map, with their types and meanings', () => {
    type Node = { properties: Record<string, Node>; anyOf: Node[]; items: Node };
    const schema = scenarioJsonSchema(PROTOCOLS.values()) as unknown as Node;
    const shared = schema.properties['params'] as unknown as Node;
    expect(shared.properties['tasks']).toEqual({
      type: 'integer',
      minimum: 0,
      maximum: 10_000,
      description:
        'handoff: (orchestrator) tasks to hand out, named t0, t1, …, 0 to 10,000 tasks; default 10',
    });
    expect(shared.properties['attack']).toMatchObject({
      enum: ['none', 'equivocate', 'forge', 'replay'],
    });
    // Declared by several protocols with different types: described, not typed.
    expect(Object.keys(shared.properties['input'] ?? {})).toEqual(['description']);
    const agentEntry = (schema.properties['agents'] as unknown as Node).anyOf[0]?.items;
    expect(Object.keys(agentEntry?.properties['params']?.properties ?? {})).toEqual(
      Object.keys(shared.properties),
    );
    // Without protocols the schema is the plain map it always was.
    const plain = scenarioJsonSchema() as unknown as Node;
    expect(plain.properties['params']?.properties).toBeUndefined();
  });

  it('are tabled in scenarios/protocols/README.md exactly as generated (node --import tsx scripts/protocol-docs.ts)', () => {
    const readme = readFileSync(join(root, 'scenarios', 'protocols', 'README.md'), 'utf8');
    expect(readme).toBe(readmeWithTables(readme));
  });
});

describe('parameters read only when another has some value', () => {
  const GOSSIP = `name: g
protocol: gossip
params: { mode: push-pull, interestLoss: blind-coin }
agents:
  count: 4
  params: { interestLossK: 3 }
  agents:
    a1: { params: { mode: push } }
`;
  it('are refused where they were given, naming the parameter they depend on and its value', () => {
    expect(problems(GOSSIP)).toEqual([
      'f.yaml:3:28: params.interestLoss: has no effect: gossip reads interestLoss only when mode is push (here mode is "push-pull"); remove it or set mode',
    ]);
    // In push mode everywhere, the same parameters are read.
    expect(problems(GOSSIP.replace('mode: push-pull, ', ''))).toEqual([]);
    // The default counts: interestLossK without interestLoss (default never) does nothing.
    expect(problems(GOSSIP.replace('mode: push-pull, interestLoss: blind-coin', ''))).toEqual([
      'f.yaml:6:13: agents.params.interestLossK: has no effect: gossip reads interestLossK only when interestLoss is blind-coin or feedback-coin or feedback-counter (here interestLoss is "never"); remove it or set interestLoss',
    ]);
  });

  it('every onlyWhen names a parameter its protocol declares, with values it can take', () => {
    for (const p of PROTOCOLS.values())
      for (const [name, spec] of Object.entries(p.params ?? {})) {
        if (spec.onlyWhen === undefined) continue;
        const other = p.params?.[spec.onlyWhen.param];
        expect(other, `${p.name}.${name}`).toBeDefined();
        if (other?.type === 'enum')
          for (const v of spec.onlyWhen.in) expect(other.values).toContain(v);
      }
  });
});
