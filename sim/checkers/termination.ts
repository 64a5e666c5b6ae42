/**
 * Termination by a tick limit: every honest agent that is up at the end has
 * decided by tick `tickMax` (default: the end of the run). Agents that crashed
 * and never came back are excused, as in the crash-stop model (Lynch §6.1).
 * Option `agents`: the ids that must decide, when only some roles decide.
 * A failure points at each undecided agent's last state record and at every
 * crash, which is what usually explains the wait (e.g. 2PC blocking).
 */
import { TICK_MAX } from '../spec.ts';
import type { Checker } from './verdict.ts';
import { mOfN, someOf } from './words.ts';

export const termination: Checker = {
  property: 'termination',
  description: 'every honest agent that is up decides by the tick limit',
  options: {
    tickMax: {
      type: 'integer',
      min: 0,
      max: TICK_MAX,
      defaultIs: 'the end of the run',
      unit: 'ticks',
      meaning: 'the tick by which the agents must have decided',
    },
    agents: {
      type: 'agents',
      itemsMin: 1,
      defaultIs: 'the honest agents up at the end',
      meaning: 'the ids that must decide, when only some roles decide',
    },
  },
  check(view, options) {
    const tickMax = typeof options?.['tickMax'] === 'number' ? options['tickMax'] : view.lastTick;
    const down = view.downAtEnd();
    const listed = options?.['agents'];
    const required = Array.isArray(listed)
      ? listed.map(String)
      : view.agents.filter((id) => view.honest.has(id) && !down.has(id));
    const decidedAt = new Map<string, number>();
    for (const r of view.ofKind('decide')) {
      const agent = r.agent as string;
      if (r.tick <= tickMax && !decidedAt.has(agent)) decidedAt.set(agent, r.seq);
    }
    const waiting = required.filter((id) => !decidedAt.has(id));
    if (waiting.length === 0)
      return {
        property: 'termination',
        status: 'holds',
        summary: `${required.length === 1 ? 'the one required agent' : `all ${required.length} required agents`} decided by tick ${tickMax}`,
        records: required.map((id) => decidedAt.get(id) as number),
        metrics: { undecided: 0 },
      };
    const lastState = new Map<string, number>();
    for (const r of view.ofKind('state'))
      if (r.tick <= tickMax) lastState.set(r.agent as string, r.seq);
    const records = [
      ...waiting.flatMap((id) => (lastState.has(id) ? [lastState.get(id) as number] : [])),
      ...view.ofKind('crash').map((r) => r.seq),
    ].sort((a, b) => a - b);
    const where = someOf(
      waiting.map((id) => {
        const seq = lastState.get(id);
        return seq === undefined ? id : `${id} (in ${String(view.trace.record(seq).data)})`;
      }),
    );
    return {
      property: 'termination',
      status: 'fails',
      summary: `${mOfN(waiting.length, required.length, 'agent')} had not decided by tick ${tickMax}: ${where}`,
      records,
      metrics: { undecided: waiting.length },
    };
  },
};
