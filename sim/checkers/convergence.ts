/**
 * Convergence over time: how many distinct values the honest agents hold at
 * each tick, when they came to hold one value for good, and how often each
 * agent changed its mind. An agent holds what it last proposed, held or
 * decided (`propose`, `hold`, `decide` records). The run converged when, from
 * some tick to the end, every honest agent that ever held a value holds the
 * same one; with option `tolerance`, numeric values within that distance of
 * each other count as one (for averaging, where exact equality never comes).
 * Option `tickMax`: converged by this tick (default: the end of the run).
 *
 * Metrics: `distinct` as [tick, count] at every tick the count changed;
 * `spread` likewise for numeric values (max - min); `ticksToConverge`, or null;
 * `flipFlops`, changes of held value per agent after its first.
 */
import { type Json, TICK_MAX } from '../spec.ts';
import type { TraceRecord } from '../trace.ts';
import { type Checker, OPTION_VALUE_MAX, valueKey } from './verdict.ts';

export const convergence: Checker = {
  property: 'convergence',
  description: 'the honest agents come to hold one value and keep it',
  options: {
    tolerance: {
      type: 'number',
      min: 0,
      max: OPTION_VALUE_MAX,
      default: 0,
      meaning: 'numbers at most this far apart count as one value',
    },
    tickMax: {
      type: 'integer',
      min: 0,
      max: TICK_MAX,
      defaultIs: 'the end of the run',
      unit: 'ticks',
      meaning: 'the tick by which the agents must hold one value',
    },
  },
  check(view, options) {
    const tolerance = typeof options?.['tolerance'] === 'number' ? options['tolerance'] : 0;
    const tickMax = typeof options?.['tickMax'] === 'number' ? options['tickMax'] : view.lastTick;
    const records: TraceRecord[] = [
      ...view.ofKind('propose'),
      ...view.ofKind('hold'),
      ...view.ofKind('decide'),
    ]
      .filter((r) => view.honest.has(r.agent as string))
      .sort((a, b) => a.seq - b.seq);

    const held = new Map<string, { key: string; value: Json | undefined }>();
    const flipFlops: Record<string, number> = {};
    const distinct: [number, number][] = [];
    const spread: [number, number][] = [];
    let agreedSince: number | null = null;
    let agreedSeq = -1;
    let lastSeq = -1;

    const snapshot = (tick: number) => {
      const keys = new Set<string>();
      let min = Infinity;
      let max = -Infinity;
      let numeric = true;
      for (const { key, value } of held.values()) {
        keys.add(key);
        if (typeof value === 'number') {
          min = Math.min(min, value);
          max = Math.max(max, value);
        } else numeric = false;
      }
      if (distinct.at(-1)?.[1] !== keys.size) distinct.push([tick, keys.size]);
      const s = numeric && held.size > 0 ? max - min : null;
      if (s !== null && spread.at(-1)?.[1] !== s) spread.push([tick, s]);
      const one = keys.size === 1 || (s !== null && s <= tolerance);
      if (one && agreedSince === null) {
        agreedSince = tick;
        agreedSeq = lastSeq;
      } else if (!one) agreedSince = null;
    };

    let i = 0;
    while (i < records.length) {
      const tick = (records[i] as TraceRecord).tick;
      if (tick > tickMax) break;
      for (; i < records.length && (records[i] as TraceRecord).tick === tick; i++) {
        const r = records[i] as TraceRecord;
        const agent = r.agent as string;
        const key = valueKey(r.data);
        const before = held.get(agent);
        if (before === undefined) flipFlops[agent] = 0;
        else if (before.key !== key) flipFlops[agent] = (flipFlops[agent] ?? 0) + 1;
        held.set(agent, { key, value: r.data });
        lastSeq = r.seq;
      }
      snapshot(tick);
    }

    const metrics = {
      distinct,
      spread,
      ticksToConverge: agreedSince,
      flipFlops,
      flipFlopsTotal: Object.values(flipFlops).reduce((a, b) => a + b, 0),
    };
    if (agreedSince !== null)
      return {
        property: 'convergence',
        status: 'holds',
        summary: `${held.size === 1 ? 'the one honest agent' : `${held.size} honest agents`} held one value from tick ${agreedSince} on`,
        records: [agreedSeq],
        metrics,
      };
    // Counterexample: the latest held value of each agent, showing the split.
    const last = new Map<string, number>();
    for (const r of records) if (r.tick <= tickMax) last.set(r.agent as string, r.seq);
    return {
      property: 'convergence',
      status: 'fails',
      summary:
        held.size === 0
          ? 'no honest agent held a value'
          : `${distinct.at(-1)?.[1] ?? 0} distinct values among ${held.size} honest agents at tick ${tickMax}`,
      records: [...last.values()].sort((a, b) => a - b),
      metrics,
    };
  },
};
