/**
 * A static space-time (Lamport) diagram of a trace as SVG: one vertical line
 * per agent, time flowing down, an arrow per delivered message copy, a
 * broken arrow ending in a cross per lost one, a dot per decision, a bar
 * while an agent is down. At most `messagesMax` messages are drawn; the
 * picture says so when it stops. Pure: text in, text out.
 */
import type { Trace, TraceRecord } from '../trace.ts';

export interface SvgOptions {
  /** Most message arrows drawn; default 2,000. */
  readonly messagesMax?: number;
  /** Pixels per tick; default chosen to fit about 1,000 pixels of height. */
  readonly tickPx?: number;
}

const esc = (s: string) =>
  s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');

export function traceSvg(trace: Trace, options: SvgOptions = {}): string {
  const agents = trace.agentIds;
  const messagesMax = options.messagesMax ?? 2000;
  const records: TraceRecord[] = [];
  for (let i = 0; i < trace.length; i++) records.push(trace.record(i));
  const lastTick = Math.max(1, trace.stop?.tick ?? records.at(-1)?.tick ?? 1);
  const tickPx = options.tickPx ?? Math.max(0.05, Math.min(20, 1000 / lastTick));
  const colPx = Math.max(60, Math.min(140, 1100 / Math.max(1, agents.length)));
  const left = 60;
  const top = 50;
  const x = (agent: string | undefined) => left + agents.indexOf(agent as string) * colPx;
  const y = (tick: number) => top + tick * tickPx;
  const width = left * 2 + (agents.length - 1) * colPx;
  const height = y(lastTick) + 40;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#333"/></marker></defs>',
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="16" font-size="13">${esc(trace.manifest.scenario)} · seed ${trace.manifest.seed} · ${trace.length} records · ticks 0–${lastTick}</text>`,
  );
  for (const a of agents) {
    out.push(
      `<text x="${x(a)}" y="${top - 10}" text-anchor="middle">${esc(a)}</text>`,
      `<line x1="${x(a)}" y1="${top}" x2="${x(a)}" y2="${y(lastTick)}" stroke="#bbb"/>`,
    );
  }
  const sends = new Map<number, TraceRecord>();
  const down = new Map<string, number>();
  let drawn = 0;
  let skipped = 0;
  for (const r of records) {
    switch (r.kind) {
      case 'send':
        sends.set(r.msg as number, r);
        break;
      case 'deliver':
      case 'drop': {
        const s = sends.get(r.msg as number);
        if (s === undefined) break;
        if (drawn >= messagesMax) {
          skipped++;
          break;
        }
        drawn++;
        const from = s.agent;
        const to = r.kind === 'deliver' ? r.agent : s.peer;
        const x1 = x(from);
        const y1 = y(s.tick);
        if (r.kind === 'deliver') {
          out.push(
            `<line x1="${x1}" y1="${y1}" x2="${x(to)}" y2="${y(r.tick)}" stroke="#333" stroke-width="0.8" marker-end="url(#arrow)"><title>#${r.msg} ${esc(JSON.stringify(s.data ?? ''))}</title></line>`,
          );
        } else {
          const mx = (x1 + x(to)) / 2;
          const my = (y1 + y(Math.max(r.tick, s.tick + 1))) / 2;
          out.push(
            `<line x1="${x1}" y1="${y1}" x2="${mx}" y2="${my}" stroke="#c0392b" stroke-width="0.8" stroke-dasharray="3 2"><title>#${r.msg} lost: ${esc(String(r.data))}</title></line>`,
            `<path d="M ${mx - 3} ${my - 3} L ${mx + 3} ${my + 3} M ${mx - 3} ${my + 3} L ${mx + 3} ${my - 3}" stroke="#c0392b"/>`,
          );
        }
        break;
      }
      case 'decide':
        out.push(
          `<circle cx="${x(r.agent)}" cy="${y(r.tick)}" r="4" fill="#2e7d32"><title>${esc(`${r.agent} decided ${JSON.stringify(r.data)} at tick ${r.tick}`)}</title></circle>`,
        );
        break;
      case 'crash':
        down.set(r.agent as string, r.tick);
        break;
      case 'restart': {
        const from = down.get(r.agent as string);
        if (from !== undefined)
          out.push(
            `<rect x="${x(r.agent) - 3}" y="${y(from)}" width="6" height="${Math.max(1, y(r.tick) - y(from))}" fill="#999" opacity="0.6"/>`,
          );
        down.delete(r.agent as string);
        break;
      }
    }
  }
  for (const [agent, from] of down)
    out.push(
      `<rect x="${x(agent) - 3}" y="${y(from)}" width="6" height="${Math.max(1, y(lastTick) - y(from))}" fill="#999" opacity="0.6"/>`,
    );
  if (skipped > 0)
    out.push(
      `<text x="${left}" y="${height - 12}" fill="#c0392b">drawing stopped at ${messagesMax} messages; ${skipped} more not drawn</text>`,
    );
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
