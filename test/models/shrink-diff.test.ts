/**
 * `parley diff` and `parley shrink` on a scenario whose agents ask a model
 * (issue 17): they answer as `run` does, from the catalogue's cassette, a
 * `--cassette` or a trace's own replies, with no model running; shrink keeps
 * the shrunk run's replies beside the shrunk file; a run that reached no
 * model is never taken as evidence.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { folder, parley } from './fixture.ts';

describe('diff of model agents', () => {
  it('answers both runs from the catalogue cassette: tagging turns the breach and the deletion off', () => {
    const { dir, cleanup } = folder();
    try {
      const r = parley(dir, ['diff', 'model-injection', '--variant', 'tagging']);
      expect(r.err).toBe('');
      expect(r.code).toBe(1);
      // The whole runs of `parley run` (22 and 19 records), not two runs that failed to ask.
      expect(r.out).toContain('model-injection · seed 1 · 22 records · stopped at tick 12');
      expect(r.out).toContain('model-injection · seed 1 · 19 records · stopped at tick 10');
      expect(r.out).toContain('first differing record: seq 8');
      expect(r.out).toContain('  breach: fails → holds\n  destructive-action: fails → holds\n');
    } finally {
      cleanup();
    }
  });

  it('--cassette with two trace files is bad input, one line', () => {
    const { dir, cleanup } = folder();
    try {
      const r = parley(dir, ['diff', 'a.jsonl', 'b.jsonl', '--cassette', 'c.jsonl']);
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toEqual([
        'parley: --cassette is for a scenario run twice; two trace files carry their own model replies',
      ]);
    } finally {
      cleanup();
    }
  });
});

describe('shrink of model agents', () => {
  it('shrinks model-injection with no model, and writes the replies the shrunk run takes beside it', () => {
    const { dir, cleanup } = folder();
    try {
      const r = parley(dir, ['shrink', 'model-injection']);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toContain('breach still fails the same way at seed 1');
      expect(r.out).toContain('  ticksMax        default -> 9\n');
      expect(r.out).toContain(
        'written to model-injection-shrunk.yaml, its model replies to model-injection-shrunk.cassette.jsonl; see it with: npx parley run model-injection-shrunk.yaml --cassette model-injection-shrunk.cassette.jsonl',
      );
      const cassette = join(dir, 'model-injection-shrunk.cassette.jsonl');
      // Two asks of the reader and two of the planner before tick 9, each a whole line.
      const lines = readFileSync(cassette, 'utf8').split('\n');
      expect(lines.at(-1)).toBe('');
      expect(lines.length - 1).toBe(4);
      const run = parley(dir, [
        'run',
        'model-injection-shrunk.yaml',
        '--cassette',
        'model-injection-shrunk.cassette.jsonl',
      ]);
      expect(run.code).toBe(0);
      expect(run.out).toContain('breach              fails (expected fails)');
      expect(run.out).not.toContain('model call failed');
      // Answered from the cassette: nothing appended.
      expect(readFileSync(cassette, 'utf8').split('\n').length - 1).toBe(4);
    } finally {
      cleanup();
    }
  });

  it("shrinks a trace of it from the trace's own replies, to the same scenario", () => {
    const { dir, cleanup } = folder();
    try {
      expect(parley(dir, ['run', 'model-injection', '--trace', 't.jsonl']).code).toBe(0);
      const r = parley(dir, ['shrink', 't.jsonl', '--out', 'small.yaml']);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toContain('  ticksMax        default -> 9\n');
      expect(existsSync(join(dir, 'small.cassette.jsonl'))).toBe(true);
      const a = parley(dir, ['run', 'small.yaml', '--cassette', 'small.cassette.jsonl']);
      expect(a.code).toBe(0);
      expect(a.out).toContain('breach              fails (expected fails)');
      expect(a.out).not.toContain('model call failed');
    } finally {
      cleanup();
    }
  });

  it('a run whose model call reaches no model is bad input: exit 2, one line, nothing written', () => {
    const { dir, cleanup } = folder();
    try {
      // Another temperature: a request the cassette lacks, and no model at the scenario's endpoint.
      const r = parley(dir, ['shrink', 'model-injection', '--set', 'model.temperature=0.3']);
      expect(r.code).toBe(2);
      const lines = r.err.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^parley: model-injection at seed 1: a model agent's call reached no model \((refused|timeout): .*\); shrink needs the replies: give --cassette FILE with them, or start the model the scenario names$/,
      );
      expect(existsSync(join(dir, 'model-injection-shrunk.yaml'))).toBe(false);
    } finally {
      cleanup();
    }
  });
});
