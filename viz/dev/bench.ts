/**
 * The visualizer's benchmark page (driven by bench/viz.ts in Chromium): runs
 * the relay workload to a given number of events in the page, then times the
 * space-time diagram's first frame, a zoom frame and the frames while
 * scrubbing.
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

const nextFrame = () => new Promise<number>((resolve) => requestAnimationFrame(resolve));

const bench = {
  /**
   * Milliseconds from a trace of `events` events to the diagram's first frame
   * on screen (built, drawn and painted: the next animation frame after it), and how it drew.
   */
  async firstFrame(
    events: number,
  ): Promise<{ ms: number; records: number; mode: string; messages: number }> {
    view = null;
    trace = relayRun(events);
    const root = document.getElementById('app') as HTMLElement;
    root.replaceChildren();
    await nextFrame();
    const t0 = performance.now();
    view = lamportView(trace, { width: 1200 });
    root.append(view.element);
    await nextFrame();
    const ms = performance.now() - t0;
    const d = view.drawing();
    return { ms, records: trace.length, mode: d.mode, messages: d.messages };
  },
  /** Mean milliseconds of script per frame while the cursor moves across the run, `frames` frames. */
  scrub(frames: number): number {
    if (trace === null || view === null) throw new Error('call firstFrame first');
    const last = trace.stop?.tick ?? 1;
    const t0 = performance.now();
    for (let i = 0; i < frames; i++) view.setCursor(Math.floor(((i + 1) * last) / frames));
    return (performance.now() - t0) / frames;
  },
  /**
   * Frames per second shown while the cursor moves across the run, one move
   * per animation frame (painting included; the display's rate caps it),
   * the view zoomed in to 1/`zoomIn` of the run, so that it pans along.
   */
  async scrubShown(frames: number, zoomIn = 1): Promise<number> {
    if (trace === null || view === null) throw new Error('call firstFrame first');
    const last = trace.stop?.tick ?? 1;
    view.setTimeDomain([0, last / zoomIn]);
    await nextFrame();
    const t0 = performance.now();
    for (let i = 0; i < frames; i++) {
      view.setCursor(Math.floor(((i + 1) * last) / frames));
      await nextFrame();
    }
    const fps = (frames * 1000) / (performance.now() - t0);
    view.setCursor(null);
    view.setTimeDomain([0, last]);
    return fps;
  },
  /** Mean milliseconds per frame while zooming from the whole run in to a tenth of it, `frames` frames. */
  zoom(frames: number): number {
    if (trace === null || view === null) throw new Error('call firstFrame first');
    const last = trace.stop?.tick ?? 1;
    const t0 = performance.now();
    for (let i = 0; i < frames; i++) view.setTimeDomain([0, last * (1 - (0.9 * (i + 1)) / frames)]);
    const ms = (performance.now() - t0) / frames;
    view.setTimeDomain([0, last]);
    return ms;
  },
};

(window as unknown as { parleyBench: typeof bench }).parleyBench = bench;
