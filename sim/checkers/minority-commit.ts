/**
 * No commit on a minority side: while a symmetric partition holds, no honest
 * agent on a side with at most half the agents decides (the quorum
 * intersection argument; Gifford 1979, Lynch §17). Asymmetric partitions are
 * not judged. A failure points at the decide record and the partition record.
 */
import type { Checker } from './verdict.ts';

export const minorityCommit: Checker = {
  property: 'minority-commit',
  description: 'no agent decides on a minority side of a partition',
  options: {},
  check(view) {
    const n = view.agents.length;
    // Active symmetric partitions by record seq: agent -> size of its side.
    const active = new Map<number, Map<string, number>>();
    const events = [
      ...view.ofKind('partition'),
      ...view.ofKind('heal'),
      ...view.ofKind('decide'),
    ].sort((a, b) => a.seq - b.seq);
    for (const r of events) {
      if (r.kind === 'partition') {
        const groups = (r.data as { groups?: string[][] } | null)?.groups;
        if (!Array.isArray(groups)) continue;
        const side = new Map<string, number>();
        const named = new Set(groups.flat());
        for (const g of groups) for (const a of g) side.set(a, g.length);
        const rest = view.agents.filter((a) => !named.has(a));
        for (const a of rest) side.set(a, rest.length);
        active.set(r.seq, side);
      } else if (r.kind === 'heal') {
        if (r.cause !== undefined) active.delete(r.cause);
      } else if (view.honest.has(r.agent as string)) {
        for (const [seq, side] of active) {
          const size = side.get(r.agent as string) ?? n;
          if (2 * size <= n)
            return {
              property: 'minority-commit',
              status: 'fails',
              summary: `${r.agent} decided at record ${r.seq} on a side of ${size} of ${n} agents (partition at record ${seq})`,
              records: [seq, r.seq],
            };
        }
      }
    }
    return {
      property: 'minority-commit',
      status: 'holds',
      summary: 'no decision was taken on a minority side',
      records: [],
    };
  },
};
