/**
 * Spend: the properties of a run's costs (see sim/cost.ts).
 *
 * Conventions read:
 * - `spend` records (data { amount, outcome: 'done' | 'refused', reason?,
 *   total }): a done spend charged `amount` to its agent; a refused one cost
 *   nothing.
 * - with `perMessage` in the manifest's `cost` section, every send record is
 *   a charge of perMessage to its sender, except a send dropped with reason
 *   'budget' (the engine could not charge it: a refusal).
 * - budgets from the manifest's spec: `agents[].budget` and `cost.budgetRun`.
 * - load-amplification reads send records to one agent, the `service`, whose
 *   message holds a request id in the field `idField` (default 'request'):
 *   every such send is one attempt at that request. Sends to the service
 *   without the field are not requests and are left out.
 *
 * Properties:
 * - budget: no agent spent more than its budget and the run no more than its
 *   budgetRun. Refused spends are the budget holding and count for it.
 *   Metrics: total, refusals (refused spends plus sends dropped for
 *   'budget'), agentsOverBudget. Holds trivially without budgets (the
 *   summary says so; the total is still reported).
 * - runaway: spend is not still growing when the run ends. With the run's
 *   end E (option tickEnd, default the last tick) and window W (option
 *   windowTicks, default max(1, round(E / 10))), the slope is the spend in
 *   ticks (E - W, E] divided by W; the property fails when the slope is above
 *   rateMax (option, per tick, default 0). A run that stopped quiescent holds
 *   whatever its slope: nothing was left to happen, so nothing more is
 *   spent. Metrics: total, slope, windowTicks, and `points`, the spend over
 *   time as [tick, cumulative] pairs, one per tick with a charge; past
 *   pointsMax (option, default 1000) the ticks are grouped into pointsMax
 *   equal spans, keeping each span's last pair.
 * - load-amplification: attempts at the service / distinct requests. Options:
 *   service (agent id, default 'service'), idField (default 'request'),
 *   ratioMax (fails above it; default none: the ratio is reported and the
 *   property holds). Metrics: attempts, requests, ratio, attemptsMax (of one
 *   request). Its records: the sends of the request with the most attempts
 *   (at most 1000).
 */
import { type Json, TICK_MAX } from '../spec.ts';
import type { TraceRecord } from '../trace.ts';
import type { Checker, Verdict } from './verdict.ts';
import { OPTION_VALUE_MAX, valueKey } from './verdict.ts';
import type { RunView } from './view.ts';
import { num, plural } from './words.ts';

/** One charge: a done spend, or a paid message. */
interface Charge {
  readonly seq: number;
  readonly tick: number;
  readonly agent: string;
  readonly amount: number;
}

interface Ledger {
  /** In trace order. */
  readonly charges: readonly Charge[];
  /** Refused spend records and sends dropped for 'budget', in trace order. */
  readonly refusals: readonly TraceRecord[];
}

interface SpecData {
  agents?: { id: string; budget?: number }[];
  cost?: { perMessage?: number; budgetRun?: number };
}

function specOf(view: RunView): SpecData {
  return (view.manifest.spec ?? {}) as SpecData;
}

function ledger(view: RunView): Ledger {
  const charges: Charge[] = [];
  const refusals: TraceRecord[] = [];
  for (const r of view.ofKind('spend')) {
    const d = r.data as { amount?: number; outcome?: string } | null;
    if (d === null || typeof d !== 'object') continue;
    if (d.outcome === 'refused') refusals.push(r);
    else
      charges.push({ seq: r.seq, tick: r.tick, agent: r.agent as string, amount: d.amount ?? 0 });
  }
  const perMessage = specOf(view).cost?.perMessage ?? 0;
  const unpaid = new Set<number>();
  for (const r of view.ofKind('drop'))
    if (r.data === 'budget') {
      unpaid.add(r.msg as number);
      refusals.push(r);
    }
  if (perMessage > 0) {
    for (const r of view.ofKind('send'))
      if (!unpaid.has(r.msg as number))
        charges.push({ seq: r.seq, tick: r.tick, agent: r.agent as string, amount: perMessage });
    charges.sort((a, b) => a.seq - b.seq);
  }
  refusals.sort((a, b) => a.seq - b.seq);
  return { charges, refusals };
}

function optionNumber(
  options: Readonly<Record<string, Json>> | undefined,
  key: string,
): number | undefined {
  const v = options?.[key];
  return typeof v === 'number' ? v : undefined;
}

function optionString(
  options: Readonly<Record<string, Json>> | undefined,
  key: string,
  fallback: string,
): string {
  const v = options?.[key];
  return typeof v === 'string' ? v : fallback;
}

export const budget: Checker = {
  property: 'budget',
  description: 'no agent spends past its budget, and the run not past its run budget',
  options: {},
  check(view) {
    const spec = specOf(view);
    const budgets = new Map<string, number>();
    for (const a of spec.agents ?? [])
      if (typeof a.budget === 'number') budgets.set(a.id, a.budget);
    const budgetRun = spec.cost?.budgetRun;
    const { charges, refusals } = ledger(view);
    const spent = new Map<string, number>();
    /** The charge at which each agent (and the run, as '') first went past its budget. */
    const over = new Map<string, Charge>();
    let total = 0;
    for (const c of charges) {
      const s = (spent.get(c.agent) ?? 0) + c.amount;
      spent.set(c.agent, s);
      total += c.amount;
      const cap = budgets.get(c.agent);
      if (cap !== undefined && s > cap && !over.has(c.agent)) over.set(c.agent, c);
      if (budgetRun !== undefined && total > budgetRun && !over.has('')) over.set('', c);
    }
    const agentsOver = [...over.keys()].filter((k) => k !== '');
    const metrics = { total, refusals: refusals.length, agentsOverBudget: agentsOver.length };
    const limits = budgets.size + (budgetRun === undefined ? 0 : 1);
    if (over.size === 0) {
      const summary =
        limits === 0
          ? `no budgets set; total spend ${num(total)}`
          : `every budget held (${plural(budgets.size, 'agent budget')}${budgetRun === undefined ? '' : `, run budget ${num(budgetRun)}`}); total spend ${num(total)}, ${plural(refusals.length, 'charge')} refused`;
      return {
        property: 'budget',
        status: 'holds',
        summary,
        records: refusals.slice(0, 1000).map((r) => r.seq),
        metrics,
      };
    }
    const parts = agentsOver.map(
      (a) =>
        `${a} spent ${num(spent.get(a) as number)} of a budget of ${num(budgets.get(a) as number)}`,
    );
    if (over.has(''))
      parts.push(`the run spent ${num(total)} of a run budget of ${num(budgetRun as number)}`);
    return {
      property: 'budget',
      status: 'fails',
      summary: parts.join('; '),
      records: [...over.values()].map((c) => c.seq).sort((a, b) => a - b),
      metrics,
    };
  },
};

/** Cumulative spend per tick with a charge, grouped into at most `pointsMax` spans. */
function spendPoints(charges: readonly Charge[], pointsMax: number): [number, number][] {
  const perTick: [number, number][] = [];
  let cumulative = 0;
  for (const c of [...charges].sort((a, b) => a.tick - b.tick || a.seq - b.seq)) {
    cumulative += c.amount;
    const last = perTick.at(-1);
    if (last !== undefined && last[0] === c.tick) last[1] = cumulative;
    else perTick.push([c.tick, cumulative]);
  }
  if (perTick.length <= pointsMax) return perTick;
  const lastTick = (perTick.at(-1) as [number, number])[0];
  const span = Math.ceil((lastTick + 1) / pointsMax);
  const out: [number, number][] = [];
  for (const p of perTick) {
    const last = out.at(-1);
    if (last !== undefined && Math.floor(last[0] / span) === Math.floor(p[0] / span)) {
      last[0] = p[0];
      last[1] = p[1];
    } else out.push([p[0], p[1]]);
  }
  return out;
}

export const runaway: Checker = {
  property: 'runaway',
  description: 'spend is not still growing when the run ends',
  options: {
    tickEnd: {
      type: 'integer',
      min: 0,
      max: TICK_MAX,
      defaultIs: 'the end of the run',
      unit: 'ticks',
      meaning: 'the tick the window ends at',
    },
    windowTicks: {
      type: 'integer',
      min: 1,
      max: TICK_MAX,
      defaultIs: 'a tenth of tickEnd, at least 1',
      unit: 'ticks',
      meaning: 'the window before tickEnd the slope is measured over',
    },
    rateMax: {
      type: 'number',
      min: 0,
      max: OPTION_VALUE_MAX,
      default: 0,
      unit: 'per tick',
      meaning: 'the largest spend per tick in the window for the property to hold',
    },
    pointsMax: {
      type: 'integer',
      min: 1,
      max: 100_000,
      default: 1000,
      unit: 'points',
      meaning: 'most points of the spend-over-time metric',
    },
  },
  check(view, options) {
    const end = optionNumber(options, 'tickEnd') ?? view.lastTick;
    const windowTicks = Math.max(1, optionNumber(options, 'windowTicks') ?? Math.round(end / 10));
    const rateMax = optionNumber(options, 'rateMax') ?? 0;
    const pointsMax = Math.max(1, optionNumber(options, 'pointsMax') ?? 1000);
    const { charges } = ledger(view);
    let total = 0;
    let recent = 0;
    const inWindow: number[] = [];
    for (const c of charges) {
      total += c.amount;
      if (c.tick > end - windowTicks && c.tick <= end) {
        recent += c.amount;
        inWindow.push(c.seq);
      }
    }
    const slope = recent / windowTicks;
    const points = spendPoints(charges, pointsMax);
    const metrics = { total, slope, windowTicks, points };
    const quiescent = view.stop?.reason === 'quiescent';
    const rate = `${num(recent)} spent in the last ${windowTicks} ticks (to tick ${end}), ${num(slope)} per tick`;
    if (slope <= rateMax || quiescent) {
      return {
        property: 'runaway',
        status: 'holds',
        summary:
          slope <= rateMax
            ? `${rate}, at most ${num(rateMax)}; total ${num(total)}`
            : `${rate}, but the run ended quiescent, so nothing more is spent; total ${num(total)}`,
        records: [],
        metrics,
      };
    }
    return {
      property: 'runaway',
      status: 'fails',
      summary: `spend still growing at the end: ${rate}, above ${num(rateMax)}; total ${num(total)}`,
      records: inWindow.slice(-1000),
      metrics,
    };
  },
};

export const loadAmplification: Checker = {
  property: 'load-amplification',
  description: 'attempts at a service per distinct request stay at most ratioMax',
  options: {
    service: {
      type: 'agent',
      default: 'service',
      meaning: 'the agent whose incoming attempts are counted',
    },
    idField: {
      type: 'string',
      default: 'request',
      meaning: 'the message field that names the request an attempt is for',
    },
    ratioMax: {
      type: 'number',
      min: 0,
      max: OPTION_VALUE_MAX,
      defaultIs: 'no limit',
      meaning: 'the most attempts per distinct request for the property to hold',
    },
  },
  check(view, options): Verdict {
    const service = optionString(options, 'service', 'service');
    const idField = optionString(options, 'idField', 'request');
    const ratioMax = optionNumber(options, 'ratioMax') ?? Infinity;
    const byRequest = new Map<string, number[]>();
    let attempts = 0;
    for (const r of view.ofKind('send')) {
      if (r.peer !== service) continue;
      const d = r.data as Record<string, Json> | null;
      if (d === null || typeof d !== 'object' || !(idField in d)) continue;
      attempts++;
      const key = valueKey(d[idField]);
      const list = byRequest.get(key);
      if (list === undefined) byRequest.set(key, [r.seq]);
      else list.push(r.seq);
    }
    const requests = byRequest.size;
    const ratio = requests === 0 ? 0 : attempts / requests;
    let worst: number[] = [];
    for (const seqs of byRequest.values()) if (seqs.length > worst.length) worst = seqs;
    const metrics = { attempts, requests, ratio, attemptsMax: worst.length };
    const summary = `${plural(attempts, 'attempt')} at ${service} for ${plural(requests, 'request')}: ${num(ratio)} per request (at most ${worst.length} for one)`;
    const holds = ratio <= ratioMax;
    return {
      property: 'load-amplification',
      status: holds ? 'holds' : 'fails',
      summary: holds ? summary : `${summary}, above ${num(ratioMax)}`,
      records: worst.slice(0, 1000),
      metrics,
    };
  },
};
