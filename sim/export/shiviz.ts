/**
 * A trace as a ShiViz log (Beschastnikh et al. 2016, "Debugging distributed
 * systems", CACM): one event per agent step with a vector clock, so ShiViz
 * draws the happens-before graph. Sends and deliveries are linked by merging
 * the sender's clock at the send into the receiver's. The log is line-based
 * and ShiViz reads a host as `\S*`: agent ids are written as one word
 * (`wordText`), payloads on one line (`lineText`), so no id or payload can
 * break a line or merge two hosts. Pure.
 */
import { KIND_NAMES, type Trace, type TraceRecord } from '../trace.ts';
import { lineText, wordText } from './escape.ts';

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
const SHOWN_CODES = new Set(
  [...SHOWN].map((k) => KIND_NAMES.indexOf(k as (typeof KIND_NAMES)[number])),
);

/** The event line of `r`: its peer named as its host is, its payload on one line. */
function describeRecord(r: TraceRecord): string {
  const data = r.data === undefined ? '' : ` ${lineText(JSON.stringify(r.data))}`;
  const peer = wordText(r.peer ?? '');
  switch (r.kind) {
    case 'send':
      return `send #${r.msg} to ${peer}${data}`;
    case 'deliver':
      return `receive #${r.msg} from ${peer}`;
    case 'drop':
      return `#${r.msg} to ${peer} lost (${lineText(String(r.data))})`;
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
  // Maps, not objects: an id such as "constructor" or "__proto__" is a host like any other.
  const clocks = new Map<string, Map<string, number>>();
  const atSend = new Map<number, Map<string, number>>();
  let events = 0;
  for (let i = 0; i < trace.length; i++) {
    if (!SHOWN_CODES.has(trace.kindAt(i))) continue;
    const r = trace.record(i);
    if (r.agent === undefined) continue;
    if (events >= eventsMax) {
      yield `parley: stopped after ${eventsMax} events of a longer trace`;
      yield `parley {"parley":1}`;
      return;
    }
    // Hosts and clock keys are the same words, as ShiViz matches them.
    const host = wordText(r.agent);
    const clock = new Map(clocks.get(host));
    if (r.kind === 'deliver' && r.msg !== undefined) {
      for (const [k, v] of atSend.get(r.msg) ?? []) clock.set(k, Math.max(clock.get(k) ?? 0, v));
    }
    clock.set(host, (clock.get(host) ?? 0) + 1);
    clocks.set(host, clock);
    if (r.kind === 'send' && r.msg !== undefined) atSend.set(r.msg, clock);
    events++;
    yield describeRecord(r);
    yield `${host} ${JSON.stringify(Object.fromEntries(clock))}`;
  }
}
