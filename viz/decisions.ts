/**
 * The decisions made by the cursor, summarised in one short line for the
 * run's metadata: how many, and how many per value, naming the agents only
 * when a value has few. A run with 200 agents gives a line as short as one
 * with 5, so it never runs over what is beside it.
 */
import type { Json } from '../sim/index.ts';
import { jsonText, short } from './views/common.ts';

/** One decision: who decided what. */
export interface Decision {
  readonly agent: string;
  readonly value: Json;
}

/** Values listed before the rest are counted. */
const VALUES_SHOWN_MAX = 4;
/** A value's agents are named when it has at most this many. */
const IDS_SHOWN_MAX = 3;
/** Longest value or agent id quoted, in characters. */
const TEXT_CHARS_MAX = 24;

/** A value as the line shows it: text as it is (no quotes), anything else as JSON. */
const valueText = (v: Json) => short(typeof v === 'string' ? v : jsonText(v), TEXT_CHARS_MAX);

/**
 * `decided` (the decisions made by the cursor, in order) out of `total`
 * decisions in the whole run, as one line: `5 of 5 decided by the cursor:
 * X (3: a, b, c), Y (2: d, e)`, or `32 of 32 decided by the cursor:
 * informed (32)`. Values by count, most first (ties: first decided first).
 * Pure.
 */
export function decisionsLine(decided: readonly Decision[], total: number): string {
  if (decided.length === 0) return `none decided by the cursor (${total} by the end)`;
  const byValue = new Map<string, { text: string; agents: string[] }>();
  for (const d of decided) {
    const key = jsonText(d.value);
    const entry = byValue.get(key) ?? { text: valueText(d.value), agents: [] };
    entry.agents.push(d.agent);
    byValue.set(key, entry);
  }
  // Map order is first-decided order, and the sort is stable.
  const values = [...byValue.values()].sort((a, b) => b.agents.length - a.agents.length);
  const listed = values
    .slice(0, VALUES_SHOWN_MAX)
    .map(({ text, agents }) =>
      agents.length <= IDS_SHOWN_MAX
        ? `${text} (${agents.length}: ${agents.map((a) => short(a, TEXT_CHARS_MAX)).join(', ')})`
        : `${text} (${agents.length})`,
    );
  const rest = values.length - listed.length;
  const more = rest > 0 ? `, and ${rest} more value${rest === 1 ? '' : 's'}` : '';
  return `${decided.length} of ${total} decided by the cursor: ${listed.join(', ')}${more}`;
}
