/**
 * Agreement: no two honest agents decide differently (the safety half of
 * consensus; Lynch, Distributed Algorithms, §6.1; Lamport, Shostak and Pease
 * 1982 for the Byzantine case, where only loyal agents count). A failure
 * points at the two decide records that differ.
 */
import type { Checker } from './verdict.ts';
import { valueKey } from './verdict.ts';

export const agreement: Checker = {
  property: 'agreement',
  description: 'no two honest agents decide different values',
  options: {},
  check(view) {
    const first = new Map<string, { seq: number; agent: string }>();
    for (const r of view.ofKind('decide')) {
      const agent = r.agent as string;
      if (!view.honest.has(agent)) continue;
      const key = valueKey(r.data);
      for (const [other, seen] of first) {
        if (other !== key && seen.agent !== agent) {
          return {
            property: 'agreement',
            status: 'fails',
            summary: `${seen.agent} decided ${other} at record ${seen.seq} but ${agent} decided ${key} at record ${r.seq}`,
            records: [seen.seq, r.seq],
            metrics: { values: first.size + (first.has(key) ? 0 : 1) },
          };
        }
      }
      if (!first.has(key)) first.set(key, { seq: r.seq, agent });
    }
    const decided = [...first.values()].map((d) => d.seq);
    return {
      property: 'agreement',
      status: 'holds',
      summary:
        first.size === 0
          ? 'no honest agent decided'
          : `every honest decision was ${[...first.keys()][0]}`,
      records: decided,
      metrics: { values: first.size },
    };
  },
};
