import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROTOCOLS } from '../../scenarios/protocols/index.ts';
import {
  CHECKER_NAMES,
  loadScenario,
  ScenarioLoadError,
  scenarioJsonSchema,
} from '../../sim/index.ts';
import { problems, registry } from '../fixtures/load-problems.ts';

const GOOD = `name: paxos-lossy
protocol: paxos
params: { retryTicks: 40 }
agents:
  count: 3
  idPrefix: p
  agents:
    p1: { params: { input: b }, crashed: { tick: 50, tickRestart: 90 } }
    p2: { compromised: true }
network:
  dropRatio: 0.2
  latency: { kind: uniform, ticksMin: 1, ticksMax: 10 }
checks:
  - { property: agreement, expect: holds }
limits: { ticksMax: 2000 }
`;

describe('loading scenario files', () => {
  it('builds agents from a group, with per-agent settings, shortcuts and network defaults', () => {
    const { scenario } = loadScenario(GOOD, registry);
    expect(scenario.agents.map((a) => [a.id, a.protocol.name, a.params, a.honest])).toEqual([
      ['p0', 'paxos', { retryTicks: 40 }, undefined],
      ['p1', 'paxos', { retryTicks: 40, input: 'b' }, undefined],
      ['p2', 'paxos', { retryTicks: 40 }, false],
    ]);
    expect(scenario.faults).toEqual([{ kind: 'crash', agent: 'p1', tick: 50, tickRestart: 90 }]);
    expect(scenario.network?.defaults).toEqual({
      dropRatio: 0.2,
      latency: { kind: 'uniform', ticksMin: 1, ticksMax: 10 },
    });
    expect(scenario.checks).toEqual([{ property: 'agreement', expect: 'holds' }]);
  });

  it('applies overrides by dotted path before validating', () => {
    const { scenario } = loadScenario(GOOD, {
      ...registry,
      overrides: ['network.dropRatio=0.05', 'agents.count=5', 'limits.untilAllDecided=true'],
    });
    expect(scenario.network?.defaults?.dropRatio).toBe(0.05);
    expect(scenario.agents).toHaveLength(5);
    expect(scenario.limits).toEqual({ ticksMax: 2000, untilAllDecided: true });
  });

  it('accepts JSON', () => {
    const json = JSON.stringify({ name: 'j', agents: [{ id: 'a', protocol: 'gossip' }] });
    expect(loadScenario(json, registry).scenario.agents[0]?.protocol.name).toBe('gossip');
  });

  it('reports every problem at once, with line, column, path and plain words', () => {
    const bad = `name: broken
protocol: paxso
agents:
  - id: a
    parms: {x: 1}
  - id: b
    honest: maybe
network:
  dropRatio: 1.5
  latency: { kind: gaussian, ticks: 3 }
faults:
  - { kind: crash, agent: zed, tick: -5 }
checks:
  - { property: agreemnt }
`;
    expect(problems(bad)).toEqual([
      `f.yaml:2:11: protocol: unknown protocol "paxso" (did you mean "paxos"?); protocols: ${[...PROTOCOLS.keys()].join(', ')}; for one of your own, name its file (protocol: ./paxso.ts, from this scenario's folder), or add one file to scenarios/protocols and one line to its index.ts`,
      'f.yaml:5:5: agents.0.parms: unknown key "parms" (did you mean "params"?)',
      'f.yaml:7:13: agents.1.honest: must be true or false, got the text "maybe"',
      'f.yaml:9:14: network.dropRatio: must be at most 1, got the number 1.5',
      'f.yaml:10:20: network.latency.kind: unknown kind "gaussian"; use constant, uniform, exponential, pareto',
      'f.yaml:12:27: faults.0.agent: unknown agent "zed"',
      'f.yaml:12:38: faults.0.tick: must be at least 0, got the number -5',
      `f.yaml:14:17: checks.0.property: unknown value "agreemnt" (did you mean "agreement"?); use one of ${CHECKER_NAMES.join(', ')}`,
    ]);
  });

  it('reports syntax errors and duplicate keys with their positions', () => {
    expect(problems('name: x\nname: y\nagents: [{id: a, protocol: paxos}]\n')).toEqual([
      'f.yaml:2:1: duplicate key: Map keys must be unique',
    ]);
    expect(problems('name: x\nagents: [\n')[0]).toMatch(/^f\.yaml:3:1: /);
    expect(problems('- just\n- a list\n')).toEqual([
      'f.yaml:1:1: must be a map of keys to values (name, agents, network, …)',
    ]);
    expect(problems('')).toEqual([
      'f.yaml:1:1: must be a map of keys to values (name, agents, network, …)',
    ]);
  });

  it('names required keys that are missing, and cross-references checked after the schema', () => {
    expect(problems('name: x\n')).toEqual(['f.yaml:1:1: agents: is required']);
    expect(
      problems(
        'name: x\nagents: [{id: a, protocol: paxos}]\nfaults: [{kind: crash, agent: a, tick: 9, tickRestart: 3}]\n',
      ),
    ).toEqual(['f.yaml:3:56: faults.0.tickRestart: must be after tick (9)']);
  });

  it('says which override is wrong instead of a line', () => {
    expect(problems(GOOD, ['network.dropRatio=high'])).toEqual([
      'f.yaml: override network.dropRatio=high: network.dropRatio: must be a number, got the text "high"',
    ]);
    expect(problems(GOOD, ['dropRatio'])).toEqual([
      'f.yaml: override dropRatio: expected path=value, got "dropRatio"',
    ]);
    expect(problems(GOOD, ['network.dropRato=0.1'])).toEqual([
      'f.yaml: override network.dropRato=0.1: network.dropRato: unknown key "dropRato" (did you mean "dropRatio"?)',
    ]);
  });

  it('refuses huge, deeply nested and alias-bomb input with a clear problem', () => {
    expect(problems(`name: x\nagents: []\n#${'x'.repeat(4_000_001)}`)[0]).toMatch(
      /scenario files are limited to 4000000/,
    );
    const deep = `name: x\nagents: [{id: a, protocol: paxos, params: {p: ${'['.repeat(200)}${']'.repeat(200)}}}]\n`;
    // The 61st bracket is the 65th level: agents, their list, the agent, its params, then 61.
    expect(problems(deep)).toEqual(['f.yaml:2:107: is nested more than 64 levels deep here']);
    const bomb = `a: &a [x, x, x, x, x, x, x, x, x, x]\n${Array.from(
      { length: 10 },
      (_, i) =>
        `b${i}: &b${i} [${Array(10)
          .fill(i === 0 ? '*a' : `*b${i - 1}`)
          .join(', ')}]`,
    ).join('\n')}\nname: x\n`;
    expect(problems(bomb)).toEqual([
      'f.yaml:2:10: its aliases expand too far (more than 100 times each); write the values out',
    ]);
  });

  it('never throws anything but a ScenarioLoadError, whatever the text (fuzz)', () => {
    const pieces = fc.constantFrom(
      'name: x\n',
      'agents:\n',
      '  - id: a\n',
      '    protocol: paxos\n',
      '  count: 3\n',
      'network: {dropRatio: 2}\n',
      'faults: [{kind: crash}]\n',
      '{',
      ']',
      '&a ',
      '*a',
      '"',
      ': :',
      '\t',
      '- ',
      'checks: [{property: x}]\n',
      'trust: {zones: []}\n',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(pieces).map((p) => p.join('')),
        ),
        (text) => {
          try {
            loadScenario(text, registry);
          } catch (err) {
            if (!(err instanceof ScenarioLoadError)) throw err;
            expect(err.problems.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 3000, seed: 42 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        try {
          loadScenario(
            JSON.stringify({ name: 'x', agents: [{ id: 'a', protocol: 'paxos' }], network: value }),
            registry,
          );
        } catch (err) {
          if (!(err instanceof ScenarioLoadError)) throw err;
        }
      }),
      { numRuns: 2000, seed: 7 },
    );
  });

  it('exports a JSON Schema that documents the keys for editors', () => {
    const schema = scenarioJsonSchema() as {
      properties: Record<string, { description?: string }>;
      required: string[];
    };
    expect(schema.required).toEqual(['name', 'agents']);
    expect(Object.keys(schema.properties)).toContain('network');
    expect(schema.properties['seed']?.description).toBe('the documented seed');
  });
});
