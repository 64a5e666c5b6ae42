import { describe, expect, it } from 'vitest';
import { isProtocolPath, protocolPathsIn } from '../../sim/scenario/index.ts';

describe('protocol paths in a scenario', () => {
  it('tells a path from a registered name', () => {
    for (const p of ['./a.ts', '../x/a.ts', '/abs/a.ts', 'a.ts', 'a.js', 'a.mjs', 'C:\\p\\a.ts'])
      expect(isProtocolPath(p), p).toBe(true);
    for (const n of ['paxos', 'two-phase-commit', 'ask-confirm', '', 'a.yaml'])
      expect(isProtocolPath(n), n).toBe(false);
  });

  it('finds the paths at the top level, in agents and group members, with line and column', () => {
    const text =
      'name: x\nprotocol: ./top.ts\nagents:\n  count: 2\n  agents:\n    a1: { protocol: ../member.ts }\n';
    expect(protocolPathsIn(text)).toEqual([
      { value: './top.ts', path: 'protocol', line: 2, column: 11 },
      { value: '../member.ts', path: 'agents.agents.a1.protocol', line: 6, column: 21 },
    ]);
    expect(
      protocolPathsIn(
        'name: x\nagents:\n  - { id: a, protocol: paxos }\n  - { id: b, protocol: b.ts }\n',
      ),
    ).toEqual([{ value: 'b.ts', path: 'agents.1.protocol', line: 4, column: 24 }]);
  });

  it('reads the chosen variant only, the overrides, the sweep axes and --vary', () => {
    const text =
      'name: x\nprotocol: paxos\nagents: { count: 2 }\nvariants:\n  v: { overrides: [protocol=./v.ts] }\n  w: { overrides: [protocol=./w.ts] }\nsweep:\n  params: { protocol: [paxos, ./s.ts] }\n  seeds: 2\n';
    expect(protocolPathsIn(text)).toEqual([]);
    expect(
      protocolPathsIn(text, {
        variant: 'v',
        overrides: ['agents.0={id: a, protocol: ./o.ts}'],
        sweep: true,
        vary: ['agents.1.protocol=paxos,./y.ts'],
      }),
    ).toEqual([
      { value: './v.ts', path: 'protocol', override: 'protocol=./v.ts' },
      {
        value: './o.ts',
        path: 'agents.0.protocol',
        override: 'agents.0={id: a, protocol: ./o.ts}',
      },
      { value: './s.ts', path: 'protocol', override: 'sweep.params.protocol' },
      {
        value: './y.ts',
        path: 'agents.1.protocol',
        override: '--vary agents.1.protocol=paxos,./y.ts',
      },
    ]);
  });

  it('finds none in a text that does not parse (the loader reports it)', () => {
    expect(protocolPathsIn('name: [\nprotocol: ./a.ts')).toEqual([]);
  });
});
