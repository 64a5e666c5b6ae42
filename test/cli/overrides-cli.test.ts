import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parleyIn } from '../fixtures/cli.ts';

const parley = parleyIn;

describe('overrides that would change nothing', () => {
  it('run two-generals --set agents.count=3: the agents are a list, not a group', () => {
    const r = parley(process.cwd(), 'run', 'two-generals', '--set', 'agents.count=3');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      'scenarios/catalog/two-generals.yaml: override agents.count=3: agents: is a list of 2 agents here (alpha, beta), so agents.count means nothing: set one agent by its index (agents.0.…, agents.1.…), or write the agents in the file as a group (agents: { count: 3, … })\n',
    );
  });

  it('run --set network.dropRatio=0.3 on a file that writes network.defaults', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-overrides-'));
    writeFileSync(
      join(dir, 's.yaml'),
      'name: d\nprotocol: gossip\nagents: { count: 3 }\nnetwork:\n  defaults:\n    dropRatio: 0.2\n',
    );
    const r = parley(dir, 'run', 's.yaml', '--set', 'network.dropRatio=0.3');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      's.yaml: override network.dropRatio=0.3: network.dropRatio: is the same setting as network.defaults.dropRatio, which this scenario gives (keys directly under network and under network.defaults mean the same: the defaults of every link); write network.defaults.dropRatio=0.3 instead\n',
    );
    expect(parley(dir, 'run', 's.yaml', '--set', 'network.defaults.dropRatio=0.3').code).toBe(0);
  });

  it('sweep --vary agents.count=2,3 on two-generals stops before any run and writes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-overrides-'));
    const r = parley(dir, 'sweep', 'two-generals', '--vary', 'agents.count=2,3', '--seeds', '2');
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      'scenarios/catalog/two-generals.yaml: override agents.count=2 (from --vary agents.count=2,3): agents: is a list of 2 agents here',
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('sweep checks every grid point before any run: two axes that each load alone but not together', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-overrides-'));
    const r = parley(
      dir,
      'sweep',
      'two-generals',
      '--vary',
      'network.dropRatio=0.1,0.2',
      '--vary',
      'network.defaults.dropRatio=0.3',
      '--seeds',
      '2',
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      'scenarios/catalog/two-generals.yaml: override network.defaults.dropRatio=0.3 (from --vary network.defaults.dropRatio=0.3, at the grid point network.dropRatio=0.1): network.defaults.dropRatio: is the same setting as network.dropRatio',
    );
    expect(readdirSync(dir)).toEqual([]);
  });
});
