/**
 * Validity: every honest decision is some honest agent's input, read from
 * the agents' `propose` records (Lynch §6.1; for Byzantine agreement, a loyal
 * commander's order). With no honest input recorded the property holds
 * vacuously and the summary says so. Option `values`: the allowed values,
 * instead of the proposals.
 */
import type { Json } from '../spec.ts';
import type { Checker } from './verdict.ts';
import { valueKey } from './verdict.ts';

export const validity: Checker = {
  property: 'validity',
  description: "every honest decision is some honest agent's input",
  check(view, options) {
    const inputs = new Set<string>();
    const listed = options?.['values'];
    if (Array.isArray(listed)) for (const v of listed as Json[]) inputs.add(valueKey(v));
    else {
      for (const r of view.ofKind('propose'))
        if (view.honest.has(r.agent as string)) inputs.add(valueKey(r.data));
    }
    if (inputs.size === 0)
      return {
        property: 'validity',
        status: 'holds',
        summary: 'no honest agent proposed a value, so any decision is valid',
        records: [],
      };
    const decisions = view.ofKind('decide').filter((r) => view.honest.has(r.agent as string));
    const bad = decisions.find((r) => !inputs.has(valueKey(r.data)));
    if (bad !== undefined)
      return {
        property: 'validity',
        status: 'fails',
        summary: `${bad.agent} decided ${valueKey(bad.data)} at record ${bad.seq}, which no honest agent proposed (inputs: ${[...inputs].join(', ')})`,
        records: [bad.seq],
      };
    return {
      property: 'validity',
      status: 'holds',
      summary: `all ${decisions.length} honest decisions were honest inputs`,
      records: decisions.map((r) => r.seq),
    };
  },
};
