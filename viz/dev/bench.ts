/**
 * The visualizer's benchmark page (driven by bench/viz.ts in Chromium): runs
 * the relay workload to a given number of events in the page, then times the
 * space-time diagram's first frame, a zoom frame and the frames while
 * scrubbing.
 */
import { relay } from '../../scenarios/protocols/relay.ts';
import { diffRuns } from '../../sim/diff.ts';
import { judge, runScenario, type Trace, viewOf } from '../../sim/index.ts';
import { type ComparePair, comparePair, lastTickOf } from '../views/compare.ts';
import { type LamportView, lamportView } from '../views/lamport.ts';

let trace: Trace | null = null;
let view: LamportView | null = null;
let pair: ComparePair | null = null;
let pairLast = 1;

function relayRun(events: number, seed = 1): Trace {
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
    { seed },
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
  /**
   * The compare view (the page's `?compare=`): two relay runs of `events`
   * events each (seeds 1 and 2), made before timing; timed from the runs:
   * `ms` to the first frame on screen (both judged, diffRuns, A's diagram
   * built with the first difference marked, B's placeholder beside it on the
   * one axis, drawn: the next animation frame after it), `bothMs` to the
   * frame with both diagrams drawn (B's built just after the first frame
   * when deferred, see compare.ts DEFER_RECORDS). `deferB` as ComparePairOptions.deferB (default: by size).
   */
  async compareFirstFrame(
    events: number,
    deferB?: boolean,
  ): Promise<{
    ms: number;
    bothMs: number;
    deferred: boolean;
    diffMs: number;
    records: number;
    first: number;
    mode: string;
    messages: number;
  }> {
    pair = null;
    view = null;
    trace = null;
    const a = relayRun(events, 1);
    const b = relayRun(events, 2);
    const root = document.getElementById('app') as HTMLElement;
    root.replaceChildren();
    await nextFrame();
    const t0 = performance.now();
    const difference = diffRuns(
      { trace: a, verdicts: judge(viewOf(a)).verdicts },
      { trace: b, verdicts: judge(viewOf(b)).verdicts },
    );
    const diffMs = performance.now() - t0;
    pair = comparePair(a, b, difference, {
      width: 1200,
      lanesPxMax: 200,
      labels: ['A · relay · seed 1', 'B · relay · seed 2'],
      ...(deferB === undefined ? {} : { deferB }),
    });
    root.append(pair.element);
    const deferred = !pair.drawnB();
    await nextFrame();
    const ms = performance.now() - t0;
    await pair.whenDrawn();
    await nextFrame();
    const bothMs = performance.now() - t0;
    pairLast = Math.max(lastTickOf(a), lastTickOf(b));
    const d = pair.a.drawing();
    return {
      ms,
      bothMs,
      deferred,
      diffMs,
      records: a.length + b.length,
      first: pair.first ?? -1,
      mode: d.mode,
      messages: d.messages + pair.b.drawing().messages,
    };
  },
  /** Mean milliseconds of script per frame while the compare view's one cursor moves across both runs. */
  compareScrub(frames: number): number {
    if (pair === null) throw new Error('call compareFirstFrame first');
    const t0 = performance.now();
    for (let i = 0; i < frames; i++) pair.setCursor(Math.floor(((i + 1) * pairLast) / frames));
    return (performance.now() - t0) / frames;
  },
  /** Frames per second shown while the compare view's cursor moves, one move per animation frame, zoomed in to 1/`zoomIn`. */
  async compareScrubShown(frames: number, zoomIn = 1): Promise<number> {
    if (pair === null) throw new Error('call compareFirstFrame first');
    pair.setTimeDomain([0, pairLast / zoomIn]);
    await nextFrame();
    const t0 = performance.now();
    for (let i = 0; i < frames; i++) {
      pair.setCursor(Math.floor(((i + 1) * pairLast) / frames));
      await nextFrame();
    }
    const fps = (frames * 1000) / (performance.now() - t0);
    pair.setCursor(null);
    pair.setTimeDomain([0, pairLast]);
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
