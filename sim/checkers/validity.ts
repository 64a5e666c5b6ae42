/**
 * Validity: every honest decision is some honest agent's input, read from
 * the agents' `propose` records (Lynch §6.1; for Byzantine agreement, a loyal
 * commander's order). With no honest input recorded the property holds
 * vacuously and the summary says so. Option `values`: the allowed values,
 * instead of the proposals. Option `hull: true`, for numeric protocols
 * (iterative averaging): every value an honest agent holds or decides stays
 * within the range of the honest inputs, the safety condition of resilient
 * asymptotic consensus (LeBlanc, Zhang, Koutsoukos and Sundaram 2013).
 */
import type { Json } from '../spec.ts';
import type { Checker } from './verdict.ts';
import { valueKey } from './verdict.ts';

export const validity: Checker = {
  property: 'validity',
  description: "every honest decision is some honest agent's input",
  options: {
    values: {
      type: 'list',
      itemsMin: 1,
      defaultIs: "the honest agents' proposals",
      meaning: 'the valid decisions, compared by content',
    },
    hull: {
      type: 'boolean',
      default: false,
      meaning: "numbers: every honest value held or decided stays within the honest inputs' range",
    },
  },
  ignoredOption(options) {
    return options['hull'] === true && options['values'] !== undefined
      ? { option: 'values', why: 'hull: true checks the range of the proposed numbers instead' }
      : undefined;
  },
  check(view, options) {
    if (options?.['hull'] === true) return hull(view);
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
        summary: Array.isArray(listed)
          ? `${bad.agent} decided ${valueKey(bad.data)} at record ${bad.seq}, not one of the valid values ${[...inputs].join(', ')}`
          : `${bad.agent} decided ${valueKey(bad.data)} at record ${bad.seq}, which no honest agent proposed (inputs: ${[...inputs].join(', ')})`,
        records: [bad.seq],
      };
    return {
      property: 'validity',
      status: 'holds',
      summary:
        decisions.length === 0
          ? 'no honest agent decided, so no decision was invalid'
          : `${decisions.length === 1 ? 'the one honest decision was an honest input' : `all ${decisions.length} honest decisions were honest inputs`}`,
      records: decisions.map((r) => r.seq),
    };
  },
};

/** Honest held and decided numbers within the range of honest numeric inputs. */
function hull(view: Parameters<Checker['check']>[0]): ReturnType<Checker['check']> {
  const honest = (r: { agent?: string }) => view.honest.has(r.agent as string);
  const inputs = view
    .ofKind('propose')
    .filter(honest)
    .map((r) => r.data);
  const numbers = inputs.filter((x): x is number => typeof x === 'number');
  if (numbers.length === 0)
    return {
      property: 'validity',
      status: 'holds',
      summary: 'no honest agent proposed a number, so no value leaves their range',
      records: [],
    };
  const low = Math.min(...numbers);
  const high = Math.max(...numbers);
  const held = [...view.ofKind('hold'), ...view.ofKind('decide')]
    .filter(honest)
    .sort((a, b) => a.seq - b.seq);
  const out = held.find((r) => typeof r.data === 'number' && (r.data < low || r.data > high));
  if (out !== undefined)
    return {
      property: 'validity',
      status: 'fails',
      summary: `${out.agent} held ${String(out.data)} at record ${out.seq}, outside the honest inputs' range [${low}, ${high}]`,
      records: [out.seq],
    };
  return {
    property: 'validity',
    status: 'holds',
    summary: `every honest value stayed within the honest inputs' range [${low}, ${high}]`,
    records: [],
  };
}
