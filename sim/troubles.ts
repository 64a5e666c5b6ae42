/**
 * What agents asked of the simulated world and could not have: messages to
 * agents that do not exist, reads of unknown sources (`error` records), and
 * crashes the engine imposed on an agent (a step past its effect limit).
 * Told in a few lines, grouped and counted, for `parley run` and the page. Pure.
 */
import type { RunView } from './checkers/view.ts';

/** One line per kind of trouble of one agent, with how often and the first record; at most `linesMax` lines. */
export function troubleLines(view: RunView, linesMax = 8): string[] {
  const groups = new Map<string, { text: string; count: number; first: number }>();
  const add = (key: string, text: string, seq: number) => {
    const g = groups.get(key);
    if (g === undefined) groups.set(key, { text, count: 1, first: seq });
    else g.count++;
  };
  for (const r of view.ofKind('error')) {
    const d = (r.data ?? {}) as Record<string, unknown>;
    const agent = String(r.agent);
    if (d['error'] === 'unknown-agent')
      add(
        `${agent}\u0000agent\u0000${String(d['to'])}`,
        `${agent} sent ${String(d['type'])} to "${String(d['to'])}", which is no agent of this scenario`,
        r.seq,
      );
    else if (d['error'] === 'unknown-source')
      add(
        `${agent}\u0000source\u0000${String(d['source'])}`,
        `${agent} read "${String(d['source'])}", which is no source of this scenario (trust.sources)`,
        r.seq,
      );
    else add(`${agent}\u0000${JSON.stringify(d)}`, `${agent}: ${JSON.stringify(d)}`, r.seq);
  }
  for (const r of view.ofKind('crash')) {
    const d = r.data as Record<string, unknown> | undefined;
    if (d?.['reason'] === 'step-effects')
      add(
        `${String(r.agent)}\u0000crash`,
        `${String(r.agent)} crashed: one step took more than ${String(d['limit'])} effects (a loop inside a step, or a parameter too large)`,
        r.seq,
      );
    else if (d?.['reason'] === 'peer-lists')
      add(
        'peer-lists',
        `${String(r.agent)} crashed reading input.peers: the run's peer lists would pass ${String(d['limit'])} ids (with this many agents, a protocol should use agents and index)`,
        r.seq,
      );
  }
  const lines = [...groups.values()]
    .sort((a, b) => a.first - b.first)
    .map(
      (g) =>
        `${g.text} (${g.count === 1 ? 'once' : `${g.count} times`}, first at record ${g.first})`,
    );
  return lines.length > linesMax
    ? [...lines.slice(0, linesMax), `… and ${lines.length - linesMax} more kinds`]
    : lines;
}
