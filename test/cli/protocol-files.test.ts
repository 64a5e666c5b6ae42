/**
 * Protocols of one's own, by file, as a new user meets them: `parley new
 * protocol` in a folder outside the checkout, run, --check-determinism, the
 * generated test, a sweep on two workers, traces that replay, and bad files
 * reported in one line.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'parley.js');
const parleyIn = (cwd: string, ...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
/** A fresh folder outside the checkout. */
const folder = () => mkdtempSync(join(tmpdir(), 'parley-own-'));

/** A protocol file: each agent decides `decision`, an expression that may read `context.id`. */
const protocolText = (name: string, decision: string, prelude = '') => `
import { decide, type Protocol } from 'parley';
import { emit, setup } from 'xstate';
${prelude}
const machine = setup({}).createMachine({
  context: ({ input }: { input: { id: string } }) => ({ id: input.id }),
  initial: 'start',
  states: {
    start: { entry: emit(({ context }) => decide(${decision})), type: 'final' },
  },
});
export const protocol: Protocol = { name: '${name}', machine };
`;
const scenarioText = (protocol: string) =>
  `name: own\nprotocol: ${protocol}\nagents:\n  count: 2\nchecks:\n  - property: termination\n    expect: holds\n`;

describe('parley new protocol, as a new user runs it', () => {
  const dir = folder();

  it('writes NAME.ts, NAME.yaml and NAME.test.mjs in the working folder', () => {
    const r = parleyIn(dir, 'new', 'protocol', 'ask-confirm');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('wrote ask-confirm.ts');
    for (const f of ['ask-confirm.ts', 'ask-confirm.yaml', 'ask-confirm.test.mjs'])
      expect(existsSync(join(dir, f))).toBe(true);
    expect(readFileSync(join(dir, 'ask-confirm.yaml'), 'utf8')).toContain(
      'protocol: ./ask-confirm.ts',
    );
  });

  it('never overwrites: exit 2 naming the file that exists', () => {
    const r = parleyIn(dir, 'new', 'protocol', 'ask-confirm');
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'parley: ask-confirm.ts exists: parley new never overwrites a file; choose another name or move it away\n',
    );
  });

  it('runs the new scenario, every expectation met', () => {
    const r = parleyIn(dir, 'run', 'ask-confirm.yaml');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('every expectation met');
  });

  it('finds it deterministic over three runs, one in a fresh thread', () => {
    const r = parleyIn(dir, 'run', 'ask-confirm.yaml', '--check-determinism');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^ask-confirm · seed 1: identical over 3 runs \(two in this process, one in a fresh thread\): hash [0-9a-f]{64}\n$/,
    );
  });

  it('passes its generated test under node --test', () => {
    const r = spawnSync(process.execPath, ['--test', 'ask-confirm.test.mjs'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(r.stdout).toContain('# pass 2');
    expect(r.status).toBe(0);
  });

  it('sweeps it on two worker threads', () => {
    const r = parleyIn(dir, 'sweep', 'ask-confirm.yaml', '--workers', '2', '--seeds', '4');
    expect(r.code).toBe(0);
    const rows = readFileSync(join(dir, 'ask-confirm-sweep.csv'), 'utf8').trimEnd().split('\n');
    // 3 loss values × 4 seeds, and the header.
    expect(rows).toHaveLength(13);
    expect(r.out).toContain('12 runs in ask-confirm-sweep.csv');
  });

  it('refuses a name that is not a protocol name, or one parley has', () => {
    expect(parleyIn(dir, 'new', 'protocol', 'Ask Confirm').code).toBe(2);
    const r = parleyIn(dir, 'new', 'protocol', 'paxos');
    expect(r.err).toBe(
      'parley: parley already has a protocol named "paxos": choose another name\n',
    );
  });
});

describe('protocol files: where they are found and what the trace keeps', () => {
  it('a sweep records each protocol file with its SHA-256 and will not resume after the file changed', () => {
    const dir = folder();
    writeFileSync(join(dir, 'p.ts'), protocolText('own', 'context.id'));
    writeFileSync(join(dir, 's.yaml'), scenarioText('./p.ts'));
    const sweep = (...more: string[]) =>
      parleyIn(dir, 'sweep', 's.yaml', '--seeds', '4', '--out', 'w.csv', ...more);
    expect(sweep('--stop-after', '2').code).toBe(130);
    const sha = createHash('sha256')
      .update(readFileSync(join(dir, 'p.ts')))
      .digest('hex');
    const manifest = JSON.parse(readFileSync(join(dir, 'w.csv.manifest.json'), 'utf8'));
    expect(manifest.protocolFiles).toEqual({ own: { path: './p.ts', sha256: sha } });
    writeFileSync(join(dir, 'p.ts'), protocolText('own', 'context.id + "!"'));
    const changed = sweep('--resume');
    expect(changed.code).toBe(2);
    expect(changed.err).toMatch(
      new RegExp(
        `\\nparley: w\\.csv cannot be resumed: protocol file \\./p\\.ts changed since the sweep started \\(SHA-256 ${sha.slice(0, 12)}… then, [0-9a-f]{12}… now\\); the rows so far came from the old file: restore it, or move w\\.csv away and run the sweep again\n$`,
      ),
    );
    writeFileSync(join(dir, 'p.ts'), protocolText('own', 'context.id'));
    expect(sweep('--resume').code).toBe(0);
    expect(readFileSync(join(dir, 'w.csv'), 'utf8').trimEnd().split('\n')).toHaveLength(5);
  });

  it('replays a trace from its folder, says when the file is missing, and when it changed', () => {
    const dir = folder();
    writeFileSync(join(dir, 'p.ts'), protocolText('own', 'context.id'));
    writeFileSync(join(dir, 's.yaml'), scenarioText('./p.ts'));
    expect(parleyIn(dir, 'run', 's.yaml', '--trace', 't.jsonl').code).toBe(0);
    const manifest = JSON.parse(
      readFileSync(join(dir, 't.jsonl'), 'utf8').split('\n')[0] as string,
    );
    expect(Object.keys(manifest.spec.protocolFiles)).toEqual(['own']);
    expect(manifest.spec.protocolFiles.own.path).toBe('./p.ts');
    // What `sha256sum p.ts` prints.
    expect(manifest.spec.protocolFiles.own.sha256).toBe(
      createHash('sha256')
        .update(readFileSync(join(dir, 'p.ts')))
        .digest('hex'),
    );
    expect(parleyIn(dir, 'replay', 't.jsonl').out).toMatch(/^t\.jsonl: identical: /);

    mkdirSync(join(dir, 'elsewhere'));
    writeFileSync(join(dir, 'elsewhere', 't.jsonl'), readFileSync(join(dir, 't.jsonl')));
    const missing = parleyIn(dir, 'replay', 'elsewhere/t.jsonl');
    expect(missing.code).toBe(2);
    expect(missing.err).toBe(
      `parley: elsewhere/t.jsonl: the run used protocol "own" from ./p.ts, which is not at ${join(dir, 'elsewhere', 'p.ts')}; paths in a trace start from the trace's folder: put the file there, or give --protocols DIR\n`,
    );
    expect(parleyIn(dir, 'replay', 'elsewhere/t.jsonl', '--protocols', '.').code).toBe(0);

    writeFileSync(join(dir, 'p.ts'), `${protocolText('own', 'context.id')}// changed\n`);
    const changed = parleyIn(dir, 'replay', 't.jsonl');
    expect(changed.code).toBe(1);
    expect(changed.out).toContain(
      `t.jsonl: the protocol file ./p.ts (${join(dir, 'p.ts')}) changed since the trace was written`,
    );
  });

  it('takes a path in an agent, a group member, a variant and --set, relative to the scenario file', () => {
    const dir = folder();
    mkdirSync(join(dir, 'protocols'));
    mkdirSync(join(dir, 'scenarios'));
    writeFileSync(join(dir, 'protocols', 'a.ts'), protocolText('own-a', "'a'"));
    writeFileSync(join(dir, 'protocols', 'b.ts'), protocolText('own-b', "'b'"));
    writeFileSync(
      join(dir, 'scenarios', 's.yaml'),
      'name: mixed\nprotocol: ../protocols/a.ts\nagents:\n  count: 3\n  agents:\n    a2: { protocol: ../protocols/b.ts }\nvariants:\n  all-b:\n    overrides: [protocol=../protocols/b.ts]\n',
    );
    const json = (...args: string[]) =>
      JSON.parse(parleyIn(dir, 'run', 'scenarios/s.yaml', '--json', ...args).out);
    const values = (r: { decisions: { value: unknown }[] }) => r.decisions.map((d) => d.value);
    expect(values(json())).toEqual(['a', 'a', 'b']);
    expect(values(json('--variant', 'all-b'))).toEqual(['b', 'b', 'b']);
    expect(values(json('--set', 'agents.agents.a0.protocol=../protocols/b.ts'))).toEqual([
      'b',
      'a',
      'b',
    ]);
  });

  it('writes a shrunk scenario whose protocol paths start from its own folder', () => {
    const dir = folder();
    mkdirSync(join(dir, 'work'));
    writeFileSync(join(dir, 'p.ts'), protocolText('own', 'context.id'));
    writeFileSync(
      join(dir, 's.yaml'),
      'name: split\nprotocol: ./p.ts\nagents:\n  count: 3\nchecks:\n  - property: agreement\n    expect: fails\n',
    );
    const r = parleyIn(join(dir, 'work'), 'shrink', '../s.yaml', '--out', 'small.yaml');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'work', 'small.yaml'), 'utf8')).toContain('protocol: ../p.ts');
    expect(parleyIn(join(dir, 'work'), 'run', 'small.yaml').code).toBe(0);
  });
});

describe('shrink from a trace of a protocol file', () => {
  it("finds the file with --protocols and writes paths from the shrunk file's folder", () => {
    const dir = folder();
    mkdirSync(join(dir, 'traces'));
    writeFileSync(join(dir, 'p.ts'), protocolText('own', 'context.id'));
    writeFileSync(
      join(dir, 's.yaml'),
      'name: split\nprotocol: ./p.ts\nagents:\n  count: 3\nchecks:\n  - property: agreement\n    expect: fails\n',
    );
    expect(parleyIn(dir, 'run', 's.yaml', '--trace', 'traces/t.jsonl').code).toBe(0);
    const without = parleyIn(dir, 'shrink', 'traces/t.jsonl');
    expect(without.code).toBe(2);
    expect(without.err).toContain('the run used protocol "own" from ./p.ts, which is not at');
    const r = parleyIn(
      dir,
      'shrink',
      'traces/t.jsonl',
      '--protocols',
      '.',
      '--out',
      'traces/small.yaml',
    );
    expect(r.err).toBe('');
    expect(r.out).toContain('agents 3 -> 2');
    expect(readFileSync(join(dir, 'traces', 'small.yaml'), 'utf8')).toContain('protocol: ../p.ts');
    expect(parleyIn(dir, 'run', 'traces/small.yaml').code).toBe(0);
  });
});

describe('--check-determinism on the catalogue', () => {
  // Every catalogue scenario passes (measured: about 1 s each, twice a plain run); three here.
  for (const name of ['paxos-lossy', 'lossy-handoff', 'two-generals'])
    it(`finds ${name} identical over three runs, with no clock or Math.random call reported`, () => {
      const r = parleyIn(folder(), 'run', name, '--check-determinism');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(
        /: identical over 3 runs \(two in this process, one in a fresh thread\): hash [0-9a-f]{64}\n$/,
      );
    });
});

describe('--check-determinism on protocols that are not deterministic', () => {
  it('names the first differing line of each run and the Math.random calls', () => {
    const dir = folder();
    writeFileSync(join(dir, 'coin.ts'), protocolText('coin', 'Math.random() < 0.5'));
    writeFileSync(join(dir, 's.yaml'), scenarioText('./coin.ts').replace('count: 2', 'count: 40'));
    const r = parleyIn(dir, 'run', 's.yaml', '--check-determinism');
    expect(r.code).toBe(1);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(
      /^own · seed 1: not deterministic: run 1 and run 2 \(both in this process\) differ at line \d+$/,
    );
    expect(lines[1]).toMatch(/^ {2}run 1: \{/);
    expect(lines[2]).toMatch(/^ {2}run 2: \{/);
    expect(r.out).toMatch(
      /the protocol called Math\.random 80 times in runs 1 and 2, first at .*coin\.ts:\d+:\d+/,
    );
    expect(r.out).toContain('likely causes: Math.random');
  });

  it('tells module state kept between runs by a fresh thread that matches run 1', () => {
    const dir = folder();
    writeFileSync(join(dir, 'counter.ts'), protocolText('counter', 'calls++', 'let calls = 0;'));
    writeFileSync(join(dir, 's.yaml'), scenarioText('./counter.ts'));
    const r = parleyIn(dir, 'run', 's.yaml', '--check-determinism');
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      'run 3, in a fresh thread, matches run 1: the protocol keeps state in module variables',
    );
    expect(r.out).not.toContain('the protocol called');
  });
});

describe('bad protocol files: one line naming the scenario position and the file, exit 2', () => {
  const dir = folder();
  writeFileSync(join(dir, 'syntax.ts'), 'export const x = ;\n');
  writeFileSync(join(dir, 'throws.ts'), 'throw new Error("boom at import");\n');
  writeFileSync(join(dir, 'none.ts'), 'export const x = 1;\n');
  writeFileSync(join(dir, 'named-paxos.ts'), protocolText('paxos', "'x'"));
  const cases: [string, string][] = [
    [
      './missing.ts',
      `no protocol file ./missing.ts: looked for ${join(dir, 'missing.ts')} (a relative path starts from the scenario file's folder)`,
    ],
    [
      './syntax.ts',
      `protocol file ./syntax.ts does not compile: ${join(dir, 'syntax.ts')}:1:17: Unexpected ";"`,
    ],
    [
      './throws.ts',
      'protocol file ./throws.ts threw while loading (line 1, column 7): boom at import',
    ],
    [
      './none.ts',
      'protocol file ./none.ts exports no protocol: write `export default { name, machine, params }` or `export const protocol = …` (it exports x)',
    ],
    ['/dev/null', 'protocol file /dev/null is not a regular file (/dev/null)'],
    [
      './named-paxos.ts',
      `protocol file ./named-paxos.ts declares the name "paxos", which parley's own protocol has: give it another name`,
    ],
  ];
  for (const [path, message] of cases)
    it(`reports ${path}`, () => {
      writeFileSync(join(dir, 's.yaml'), scenarioText(path));
      const r = parleyIn(dir, 'run', 's.yaml');
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toBe(`s.yaml:2:11: protocol: ${message}\n`);
    });

  it('says how to add a protocol when a name is unknown', () => {
    writeFileSync(join(dir, 's.yaml'), scenarioText('ask-confirm'));
    const r = parleyIn(dir, 'run', 's.yaml');
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      's.yaml:2:11: protocol: unknown protocol "ask-confirm"; protocols: ack-retransmit,',
    );
    expect(r.err).toContain(
      "for one of your own, name its file (protocol: ./ask-confirm.ts, from this scenario's folder), or add one file to scenarios/protocols and one line to its index.ts\n",
    );
  });
});
