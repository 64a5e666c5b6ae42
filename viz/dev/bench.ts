/**
 * The visualizer's benchmark page (driven by bench/viz.ts in Chromium): runs
 * the relay workload to a given number of events in the page, then times the
 * space-time diagram's first frame and the frame time while scrubbing.
 */
import { relay } from '../../scenarios/protocols/relay.ts';
import { runScenario, type Trace } from '../../sim/index.ts';
import { type LamportView, lamportView } from '../views/lamport.ts';

let trace: Trace | null = null;
let view: LamportView | null = null;

function relayRun(events: number): Trace {
  return runScenario(
    {
      name: `relay-${events}`,
      agents: Array.from({ length: 20 }, (_, i) => ({
        id: `a${i}`,
        protocol: relay,
        params: { tokens: 1, hopsMax: 1_000_000_000 },
      })),
      network: { defaults: { latency: { kind: 'uniform', ticksMin: 1, ticksMax: 5 } } },
      limits: { eventsMax: events },
    },
    { seed: 1 },
  ).trace;
}

const bench = {
  /** Milliseconds from a trace of `events` events to the diagram's first frame. */
  firstFrame(events: number): { ms: number; records: number } {
    trace = relayRun(events);
    const root = document.getElementById('app') as HTMLElement;
    root.replaceChildren();
    const t0 = performance.now();
    view = lamportView(trace, { width: 1200 });
    root.append(view.element);
    return { ms: performance.now() - t0, records: trace.length };
  },
  /** Mean milliseconds per frame while the cursor moves across the run, `frames` frames. */
  scrub(frames: number): number {
    if (trace === null || view === null) throw new Error('call firstFrame first');
    const last = trace.stop?.tick ?? 1;
    const t0 = performance.now();
    for (let i = 0; i < frames; i++) view.setCursor(Math.floor(((i + 1) * last) / frames));
    return (performance.now() - t0) / frames;
  },
};

(window as unknown as { parleyBench: typeof bench }).parleyBench = bench;
