/**
 * At most one leader per term (Raft's Election Safety; Ongaro and Ousterhout
 * 2014, §5.2). Reads the notes `{ leader: term }` an agent records when it
 * becomes leader. A failure points at the two notes of one term.
 */
import type { Checker } from './verdict.ts';
import { plural } from './words.ts';

export const leaderPerTerm: Checker = {
  property: 'leader-per-term',
  description: 'no two agents are leader in the same term',
  options: {},
  check(view) {
    const leaders = new Map<number, { agent: string; seq: number }>();
    for (const r of view.ofKind('note')) {
      const data = r.data as { leader?: unknown } | null;
      if (data === null || typeof data !== 'object' || typeof data.leader !== 'number') continue;
      const term = data.leader;
      const seen = leaders.get(term);
      if (seen !== undefined && seen.agent !== r.agent)
        return {
          property: 'leader-per-term',
          status: 'fails',
          summary: `${seen.agent} (record ${seen.seq}) and ${r.agent} (record ${r.seq}) were both leader of term ${term}`,
          records: [seen.seq, r.seq],
        };
      if (seen === undefined) leaders.set(term, { agent: r.agent as string, seq: r.seq });
    }
    return {
      property: 'leader-per-term',
      status: 'holds',
      summary:
        leaders.size === 0
          ? 'no leader was elected in any term, so no term had two'
          : `${plural(leaders.size, 'term')} had a leader, each one leader`,
      records: [...leaders.values()].map((l) => l.seq),
      metrics: { terms: leaders.size },
    };
  },
};
