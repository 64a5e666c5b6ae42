/**
 * A static space-time (Lamport) diagram of a trace as SVG: one vertical line
 * per agent, time flowing down, an arrow per delivered message copy, a
 * broken arrow ending in a cross per lost one, a dot per decision, a bar
 * while an agent is down. At most `messagesMax` messages and as many
 * decisions and down bars are drawn (the first ones); a drawing so capped
 * spans only the ticks of the messages it draws, and says so at its top and
 * its foot. Written line by line, so a huge trace never becomes one string.
 * Pure: trace in, text out.
 */
import { Kind, type Trace, type TraceRecord } from '../trace.ts';
import { xmlText } from './escape.ts';

export interface SvgOptions {
  /** Most message arrows drawn, and most decision dots and down bars; default 2,000. */
  readonly messagesMax?: number;
  /** Pixels per tick; default chosen to fit about 1,000 pixels of height. */
  readonly tickPx?: number;
}

/** The kinds the diagram draws; records of other kinds are not even built. */
const DRAWN = new Set<number>([
  Kind.send,
  Kind.deliver,
  Kind.drop,
  Kind.decide,
  Kind.crash,
  Kind.restart,
]);

/** The SVG of `trace`, one line at a time (join them with "\n", each followed by one). Pure. */
export function* traceSvgLines(trace: Trace, options: SvgOptions = {}): IterableIterator<string> {
  const agents = trace.agentIds;
  const column = new Map<string, number>();
  agents.forEach((a, i) => {
    if (!column.has(a)) column.set(a, i);
  });
  const messagesMax = options.messagesMax ?? 2000;
  const lastRecordTick = trace.length === 0 ? 1 : trace.record(trace.length - 1).tick;
  const runTick = Math.max(1, trace.stop?.tick ?? lastRecordTick);
  // Message copies (deliveries and drops), and the tick of the first one past the cap.
  let copies = 0;
  let cutTick: number | undefined;
  for (let i = 0; i < trace.length; i++) {
    const k = trace.kindAt(i);
    if (k !== Kind.deliver && k !== Kind.drop) continue;
    copies++;
    if (copies === messagesMax + 1) cutTick = trace.record(i).tick;
  }
  // A capped drawing spans the ticks its messages span, not the whole run.
  const lastTick = cutTick === undefined ? runTick : Math.max(1, cutTick);
  const tickPx = options.tickPx ?? Math.max(0.05, Math.min(20, 1000 / lastTick));
  const colPx = Math.max(60, Math.min(140, 1100 / Math.max(1, agents.length)));
  const left = 60;
  const top = 50;
  const x = (agent: string | undefined) => left + (column.get(agent as string) ?? -1) * colPx;
  const y = (tick: number) => top + tick * tickPx;
  const width = left * 2 + (agents.length - 1) * colPx;
  const height = y(lastTick) + 40;
  yield `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`;
  yield '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#333"/></marker></defs>';
  yield `<rect width="100%" height="100%" fill="white"/>`;
  const partial =
    cutTick === undefined
      ? ''
      : ` · the first ${messagesMax} of ${copies} messages drawn, up to tick ${lastTick}`;
  yield `<text x="${left}" y="16" font-size="13">${xmlText(trace.manifest.scenario)} · seed ${trace.manifest.seed} · ${trace.length} records · ticks 0–${runTick}${partial}</text>`;
  for (const a of agents) {
    yield `<text x="${x(a)}" y="${top - 10}" text-anchor="middle">${xmlText(a)}</text>`;
    yield `<line x1="${x(a)}" y1="${top}" x2="${x(a)}" y2="${y(lastTick)}" stroke="#bbb"/>`;
  }
  /** Sends whose copies may still be drawn, by message id; none are kept once the arrows stop. */
  const sends = new Map<number, TraceRecord>();
  const down = new Map<string, number>();
  let arrows = 0;
  let arrowsSkipped = 0;
  let marks = 0;
  let marksSkipped = 0;
  const downBar = (agent: string, from: number, to: number) => {
    if (from > lastTick) return undefined;
    if (marks >= messagesMax) {
      marksSkipped++;
      return undefined;
    }
    marks++;
    return `<rect x="${x(agent) - 3}" y="${y(from)}" width="6" height="${Math.max(1, y(Math.min(to, lastTick)) - y(from))}" fill="#999" opacity="0.6"/>`;
  };
  for (let i = 0; i < trace.length; i++) {
    const kind = trace.kindAt(i);
    if (!DRAWN.has(kind)) continue;
    // Past the cap, message records are only counted: a huge trace builds no object for them.
    if (
      arrows >= messagesMax &&
      (kind === Kind.send || kind === Kind.deliver || kind === Kind.drop)
    ) {
      if (kind !== Kind.send) arrowsSkipped++;
      sends.clear();
      continue;
    }
    const r = trace.record(i);
    switch (r.kind) {
      case 'send':
        sends.set(r.msg as number, r);
        break;
      case 'deliver':
      case 'drop': {
        const s = sends.get(r.msg as number);
        if (s === undefined) break;
        arrows++;
        const from = s.agent;
        const to = r.kind === 'deliver' ? r.agent : s.peer;
        const x1 = x(from);
        const y1 = y(s.tick);
        if (r.kind === 'deliver') {
          yield `<line x1="${x1}" y1="${y1}" x2="${x(to)}" y2="${y(r.tick)}" stroke="#333" stroke-width="0.8" marker-end="url(#arrow)"><title>#${r.msg} ${xmlText(JSON.stringify(s.data ?? ''))}</title></line>`;
        } else {
          const mx = (x1 + x(to)) / 2;
          const my = (y1 + y(Math.max(r.tick, s.tick + 1))) / 2;
          yield `<line x1="${x1}" y1="${y1}" x2="${mx}" y2="${my}" stroke="#c0392b" stroke-width="0.8" stroke-dasharray="3 2"><title>#${r.msg} lost: ${xmlText(String(r.data))}</title></line>`;
          yield `<path d="M ${mx - 3} ${my - 3} L ${mx + 3} ${my + 3} M ${mx - 3} ${my + 3} L ${mx + 3} ${my - 3}" stroke="#c0392b"/>`;
        }
        break;
      }
      case 'decide':
        if (r.tick > lastTick) break;
        if (marks >= messagesMax) {
          marksSkipped++;
          break;
        }
        marks++;
        yield `<circle cx="${x(r.agent)}" cy="${y(r.tick)}" r="4" fill="#2e7d32"><title>${xmlText(`${r.agent} decided ${JSON.stringify(r.data)} at tick ${r.tick}`)}</title></circle>`;
        break;
      case 'crash':
        down.set(r.agent as string, r.tick);
        break;
      case 'restart': {
        const from = down.get(r.agent as string);
        if (from !== undefined) {
          const bar = downBar(r.agent as string, from, r.tick);
          if (bar !== undefined) yield bar;
        }
        down.delete(r.agent as string);
        break;
      }
    }
  }
  for (const [agent, from] of down) {
    const bar = downBar(agent, from, lastTick);
    if (bar !== undefined) yield bar;
  }
  const stopped: string[] = [];
  if (arrowsSkipped > 0)
    stopped.push(`drawing stopped at ${messagesMax} messages; ${arrowsSkipped} more not drawn`);
  if (marksSkipped > 0)
    stopped.push(`${marksSkipped} decisions and down bars past the first ${messagesMax} not drawn`);
  if (stopped.length > 0)
    yield `<text x="${left}" y="${height - 12}" fill="#c0392b">${xmlText(stopped.join('; '))}</text>`;
  yield '</svg>';
}

/** The SVG of `trace` as one string (the page's export; the command line writes `traceSvgLines`). Pure. */
export function traceSvg(trace: Trace, options: SvgOptions = {}): string {
  let out = '';
  for (const line of traceSvgLines(trace, options)) out += `${line}\n`;
  return out;
}
