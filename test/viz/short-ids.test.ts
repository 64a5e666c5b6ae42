import { describe, expect, it } from 'vitest';
import { shortIds } from '../../viz/views/common.ts';

const workers = Array.from(
  { length: 20 },
  (_, i) => `worker-pool-east-${String(i + 1).padStart(3, '0')}`,
);

describe('shortIds', () => {
  it('keeps the number that tells siblings apart and as much of their shared start as fits', () => {
    expect(shortIds(workers, 12).slice(0, 3)).toEqual([
      'worker-…-001',
      'worker-…-002',
      'worker-…-003',
    ]);
    expect(shortIds(workers, 17).at(-1)).toBe('worker-pool-…-020');
    expect(shortIds(workers, 5).slice(0, 2)).toEqual(['…-001', '…-002']);
  });

  it('leaves ids that fit unchanged', () => {
    expect(shortIds(workers, 20)).toEqual(workers);
    expect(shortIds(['g0', 'g1', 'g199'], 4)).toEqual(['g0', 'g1', 'g199']);
    expect(shortIds([], 8)).toEqual([]);
  });

  it('cuts each id at the token that differs from its nearest neighbour, not from all ids', () => {
    expect(
      shortIds(
        ['planner-agent-eu-west-1', 'planner-agent-us-east-1', 'planner-agent-us-east-2'],
        14,
      ),
    ).toEqual(['pla…-eu-west-1', 'planner-…-1', 'planner-…-2']);
    expect(
      shortIds(['research-team/analyst-1', 'research-team/analyst-2', 'research-team/critic'], 14),
    ).toEqual(['research-…-1', 'research-…-2', 'resear…/critic']);
    expect(shortIds(['orchestrator', 'orchestrator-shadow'], 10)).toEqual([
      'orchestra…',
      'or…-shadow',
    ]);
  });

  it('drops a long shared end after the distinguishing part', () => {
    expect(shortIds(['agent-17-reader-process', 'agent-18-reader-process'], 12)).toEqual([
      'agent-17-…',
      'agent-18-…',
    ]);
    expect(shortIds(['a1-long-shared-suffix-text', 'a2-long-shared-suffix-text'], 12)).toEqual([
      'a1-long-…',
      'a2-long-…',
    ]);
  });

  it('treats a change from letters to digits as a token boundary', () => {
    expect(shortIds(['worker017', 'worker018'], 5)).toEqual(['w…017', 'w…018']);
    expect(shortIds(['abcdefghij1xyz', 'abcdefghij2xyz'], 6)).toEqual(['a…1xyz', 'a…2xyz']);
  });

  it('keeps both ends of ids that share nothing', () => {
    expect(shortIds(['alice-the-negotiator', 'bob-the-builder-agent'], 12)).toEqual([
      'alice-…iator',
      'bob-th…agent',
    ]);
    expect(shortIds(['client', 'service'], 4)).toEqual(['cl…t', 'se…e']);
  });

  it('returns ids whole rather than make two of them equal', () => {
    const many = Array.from({ length: 200 }, (_, i) => `g${i}`);
    const out = shortIds(many, 3);
    expect(new Set(out).size).toBe(200);
    expect(out.slice(0, 3)).toEqual(['g0', 'g1', 'g2']);
    expect(out.slice(-2)).toEqual(['g198', 'g199']);
    for (const max of [3, 5, 8, 12])
      expect(new Set(shortIds(workers, max)).size, `at ${max} characters`).toBe(workers.length);
  });
});
