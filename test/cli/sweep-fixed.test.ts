import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'parley.js');
const parley = (...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('a sweep axis on a path that --variant or --set fixes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-fixed-'));

  it("drops the scenario's axis on the variant's path, saying so in one line", () => {
    const out = join(dir, 'mitigated.csv');
    const r = parley(
      'sweep',
      'confused-deputy-db',
      '--variant',
      'mitigated',
      '--seeds',
      '1',
      '--out',
      out,
    );
    expect(r.code).toBe(0);
    expect(r.err).toContain(
      "--variant mitigated sets trust.mitigations.leastPrivilege; the scenario's sweep axis on it is dropped\n",
    );
    const header = readFileSync(out, 'utf8').split('\n')[0] as string;
    expect(header).not.toContain('trust.mitigations.leastPrivilege');
    expect(header).toContain('agents.0.params.susceptibility');
    expect(JSON.parse(readFileSync(`${out}.manifest.json`, 'utf8')).runs).toBe(4);
  });

  it('drops an axis inside or around a --set path too', () => {
    const r = parley(
      'sweep',
      'confused-deputy-db',
      '--set',
      'trust.mitigations={leastPrivilege: true}',
      '--seeds',
      '1',
      '--out',
      join(dir, 'set.csv'),
    );
    expect(r.code).toBe(0);
    expect(r.err).toContain(
      "--set sets trust.mitigations; the scenario's sweep axis on trust.mitigations.leastPrivilege is dropped",
    );
  });

  it('refuses an explicit --vary on a path --set fixes, naming both, with exit code 2', () => {
    const r = parley(
      'sweep',
      'confused-deputy-db',
      '--set',
      'trust.mitigations.leastPrivilege=true',
      '--vary',
      'trust.mitigations.leastPrivilege=false,true',
      '--seeds',
      '1',
      '--out',
      join(dir, 'no.csv'),
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      '--vary trust.mitigations.leastPrivilege contradicts --set trust.mitigations.leastPrivilege=true',
    );
  });
});
