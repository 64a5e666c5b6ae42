/**
 * Integrity: no agent decides twice (Lynch §6.1; Cachin, Guerraoui and
 * Rodrigues, Reliable and Secure Distributed Programming, §5.1). A decision
 * is final: deciding again after a restart, a duplicate or a re-vote breaks
 * it. A failure points at the agent's first two decide records.
 */
import type { Checker } from './verdict.ts';
import { plural } from './words.ts';

export const integrity: Checker = {
  property: 'integrity',
  description: 'no agent decides more than once',
  options: {},
  check(view) {
    const first = new Map<string, number>();
    for (const r of view.ofKind('decide')) {
      const agent = r.agent as string;
      const seen = first.get(agent);
      if (seen !== undefined)
        return {
          property: 'integrity',
          status: 'fails',
          summary: `${agent} decided at record ${seen} and again at record ${r.seq}`,
          records: [seen, r.seq],
        };
      first.set(agent, r.seq);
    }
    return {
      property: 'integrity',
      status: 'holds',
      summary:
        first.size === 0 ? 'no agent decided' : `${plural(first.size, 'agent')} decided, each once`,
      records: [...first.values()],
    };
  },
};
