/**
 * A run's outcome in words, for `parley run` and the page: why it stopped,
 * and what agents asked of the simulated world and could not have (messages
 * to agents that do not exist, reads of unknown sources, crashes the engine
 * imposed for a step past its limits). Pure.
 */
import type { RunView } from './checkers/view.ts';
import { LIMITS_DEFAULTS, type Limits } from './spec.ts';
import type { StopReason } from './trace.ts';

/** Why a run stopped, in a sentence, naming the limit when a limit stopped it. */
export function stopSentence(
  stop: { readonly reason: StopReason; readonly tick: number },
  limits: Partial<Limits> | undefined,
): string {
  const l = { ...LIMITS_DEFAULTS, ...limits };
  switch (stop.reason) {
    case 'quiescent':
      return `stopped at tick ${stop.tick}: nothing was left to happen`;
    case 'allDecided':
      return `stopped at tick ${stop.tick}: every agent that was up had decided (limits.untilAllDecided)`;
    case 'ticksMax':
      return `stopped at tick ${stop.tick}: the next event was due after tick ${l.ticksMax} (limits.ticksMax)`;
    case 'eventsMax':
      return `stopped at tick ${stop.tick} after ${l.eventsMax} events (limits.eventsMax)`;
    case 'queueMax':
      return `stopped at tick ${stop.tick}: more than ${l.queueMax} events were waiting (limits.queueMax)`;
    case 'recordsMax':
      return `stopped at tick ${stop.tick}: the trace held ${l.recordsMax} records (limits.recordsMax)`;
  }
}

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
    else if (d?.['reason'] === 'bad-message')
      add(
        `${String(r.seq)}\u0000bad-message`,
        `${String(r.agent)} crashed at tick ${r.tick}: its protocol ${String(d['detail'])}`,
        r.seq,
      );
    else if (typeof d?.['detail'] === 'string')
      // A process agent's program failed (sim/programs.ts): each crash on its own line, with its tick.
      add(
        `${String(r.seq)}\u0000process`,
        `${String(r.agent)}'s program failed at tick ${r.tick} (${String(d['reason'])}): ${d['detail']}`,
        r.seq,
      );
  }
  // A model agent's call that failed after its retries (sim/models.ts): one line per agent and reason.
  for (const r of view.ofKind('model')) {
    const error = (r.data as { reply?: { error?: { reason?: unknown; detail?: unknown } } } | null)
      ?.reply?.error;
    if (error === undefined) continue;
    add(
      `${String(r.agent)}\u0000model\u0000${String(error.reason)}`,
      `${String(r.agent)}'s model call failed at tick ${r.tick} (${String(error.reason)}): ${String(error.detail)}`,
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
