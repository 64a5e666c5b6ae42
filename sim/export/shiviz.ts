/**
 * A trace as a ShiViz log (Beschastnikh et al. 2016, "Debugging distributed
 * systems", CACM): one event per agent step with a vector clock, so ShiViz
 * draws the happens-before graph. Sends and deliveries are linked by merging
 * the sender's clock at the send into the receiver's. Pure.
 */
import type { Trace, TraceRecord } from '../trace.ts';

/** The regular expression to paste into ShiViz (also the log's first line). */
export const SHIVIZ_REGEX = '(?<event>.*)\\n(?<host>\\S*) (?<clock>{.*})';

const SHOWN = new Set([
  'send',
  'deliver',
  'drop',
  'decide',
  'crash',
  'restart',
  'act',
  'read',
  'content',
  'spend',
]);

function describeRecord(r: TraceRecord): string {
  const data = r.data === undefined ? '' : ` ${JSON.stringify(r.data)}`;
  switch (r.kind) {
    case 'send':
      return `send #${r.msg} to ${r.peer}${data}`;
    case 'deliver':
      return `receive #${r.msg} from ${r.peer}`;
    case 'drop':
      return `#${r.msg} to ${r.peer} lost (${String(r.data)})`;
    default:
      return `${r.kind}${data} @${r.tick}`;
  }
}

/**
 * The ShiViz log of `trace`: the regex line, a blank line, then two lines per
 * event. At most `eventsMax` events; a final comment says when it stopped.
 */
export function* shivizLines(trace: Trace, eventsMax = 100_000): IterableIterator<string> {
  yield SHIVIZ_REGEX;
  yield '';
  const clocks = new Map<string, Record<string, number>>();
  const atSend = new Map<number, Record<string, number>>();
  let events = 0;
  for (let i = 0; i < trace.length; i++) {
    const r = trace.record(i);
    if (!SHOWN.has(r.kind) || r.agent === undefined) continue;
    if (events >= eventsMax) {
      yield `parley: stopped after ${eventsMax} events of a longer trace`;
      yield `parley {"parley":1}`;
      return;
    }
    const clock = { ...(clocks.get(r.agent) ?? {}) };
    if (r.kind === 'deliver' && r.msg !== undefined) {
      for (const [k, v] of Object.entries(atSend.get(r.msg) ?? {}))
        clock[k] = Math.max(clock[k] ?? 0, v);
    }
    clock[r.agent] = (clock[r.agent] ?? 0) + 1;
    clocks.set(r.agent, clock);
    if (r.kind === 'send' && r.msg !== undefined) atSend.set(r.msg, clock);
    events++;
    yield describeRecord(r);
    yield `${r.agent} ${JSON.stringify(clock)}`;
  }
}
