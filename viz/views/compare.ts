/**
 * Two runs side by side (the page's `?compare=`): the space-time diagrams of
 * run A and run B one above the other on one time axis (zooming or panning
 * one moves the other) with one cursor, the first record where the runs
 * differ (sim/diff.ts `diffRuns`) marked in both; and, for the side column,
 * the verdicts of both runs in two columns with the changed ones marked, and
 * the first difference as a button that moves the cursor there. Text goes in
 * as textContent only.
 */
import type { RunDifference } from '../../sim/diff.ts';
import type { Judged, Trace } from '../../sim/index.ts';
import type { Beyond } from '../player.ts';
import { el, type TimeDomain } from './common.ts';
import { type LamportView, lamportView } from './lamport.ts';

/**
 * Past this many records in run B, B's diagram is built just after A's is on
 * screen (the frame after), a placeholder of its size in its place until then:
 * reading a trace into the diagram is most of the compare view's first frame.
 */
export const DEFER_RECORDS = 50_000;

/** The label the diagrams draw at the first difference. */
export const FIRST_DIFFERENCE = 'first difference';

export interface ComparePairOptions {
  /** Width of each diagram in CSS pixels. */
  readonly width: number;
  /** Height of each diagram's lanes at most (CSS pixels), so that both fit the room. */
  readonly lanesPxMax?: number;
  /** What each run is, shown above its diagram (`A · llm-negotiation · seed 3`). */
  readonly labels: readonly [string, string];
  /** The time in view to start with (default: the wider of the two diagrams' opening stretches). */
  readonly domain?: TimeDomain;
  /** The density threshold of both diagrams, as `LamportOptions.densityMin`. */
  readonly densityMin?: number;
  /** The diagrams' texts this many times their size, as `LamportOptions.textScale`. */
  readonly textScale?: number;
  /** Whether B's diagram is built after A's is on screen; default when B has more than DEFER_RECORDS records. */
  readonly deferB?: boolean;
}

export interface ComparePair {
  readonly element: HTMLElement;
  readonly a: LamportView;
  /** B's diagram (built now if it was still waiting for its frame). */
  readonly b: LamportView;
  /** Whether B's diagram is built. */
  drawnB(): boolean;
  /** Resolves once B's diagram is built (at once when it was not deferred). */
  whenDrawn(): Promise<void>;
  /** The seq of the first record that differs, undefined when every record is the same. */
  readonly first: number | undefined;
  /** Moves the cursor of both to `tick`. */
  setCursor(tick: number | null): void;
  timeDomain(): TimeDomain;
  setTimeDomain(domain: TimeDomain): void;
  onTimeChange(listener: (domain: TimeDomain) => void): void;
}

/** The last tick of a trace: where it stopped, else its last record's. */
export function lastTickOf(trace: Trace): number {
  return Math.max(
    1,
    trace.stop?.tick ?? (trace.length > 0 ? trace.record(trace.length - 1).tick : 1),
  );
}

/**
 * The player's positions past the end of run A when run B goes on after it:
 * one per record of B after A's last record's tick, then B's stop when it
 * is later than its last record; each at its tick, so that the one cursor
 * runs to the later end of the two. Undefined when B ends no later than A.
 */
export function pastEnd(a: Trace, b: Trace): Beyond | undefined {
  if (a.length === 0 || b.length === 0) return undefined;
  const aEnd = a.record(a.length - 1).tick;
  // B's first record after A's last tick.
  let from = 0;
  for (let hi = b.length; from < hi; ) {
    const mid = (from + hi) >> 1;
    if (b.record(mid).tick <= aEnd) from = mid + 1;
    else hi = mid;
  }
  const records = b.length - from;
  const lastRecordTick = b.record(b.length - 1).tick;
  const stop = b.stop?.tick;
  const stopped = stop !== undefined && stop > Math.max(aEnd, lastRecordTick) ? 1 : 0;
  const count = records + stopped;
  if (count === 0) return undefined;
  return {
    count,
    tick: (i) => (i < records ? b.record(from + i).tick : (stop as number)),
    text: (i) =>
      i < records
        ? `B seq ${from + i} / ${b.length - 1} · tick ${b.record(from + i).tick}`
        : `B stopped · tick ${stop as number}`,
  };
}

/** Both runs' diagrams on one time axis, the first difference marked in both. */
export function comparePair(
  a: Trace,
  b: Trace,
  difference: RunDifference,
  options: ComparePairOptions,
): ComparePair {
  const timeMax = Math.max(lastTickOf(a), lastTickOf(b));
  const common = {
    width: options.width,
    timeMax,
    ...(options.lanesPxMax === undefined ? {} : { lanesPxMax: options.lanesPxMax }),
    ...(options.densityMin === undefined ? {} : { densityMin: options.densityMin }),
    ...(options.textScale === undefined ? {} : { textScale: options.textScale }),
  };
  const va = lamportView(a, common);
  const element = el('div', undefined, 'compare-pair');
  const side = (label: string, content: HTMLElement, which: 'a' | 'b') => {
    const box = el('div', undefined, `compare-run compare-${which}`);
    const head = el('p', label, 'compare-label');
    head.title = label;
    box.append(head, content);
    return box;
  };
  // B's place until its diagram is built: A's size, saying what comes.
  const pending = el('div', undefined, 'view lamport compare-pending');
  const pendingBox = el('div', undefined, 'compare-pending-box');
  pendingBox.style.width = va.canvas.style.width;
  pendingBox.style.height = va.canvas.style.height;
  pending.append(
    el('p', `drawing ${b.length.toLocaleString('en')} records…`, 'note lod'),
    pendingBox,
  );
  element.append(side(options.labels[0], va.element, 'a'), side(options.labels[1], pending, 'b'));
  // The density's colour key would take a line from each diagram: their notes say what is drawn.
  const dropKey = (v: LamportView) => {
    for (const k of v.element.querySelectorAll('.density-key')) k.remove();
  };
  dropKey(va);

  const record = difference.record;
  const first = record?.seq;
  const tickA = record === undefined ? 0 : (record.a?.tick ?? record.b?.tick ?? 0);
  const markLabel = record === undefined ? '' : `${FIRST_DIFFERENCE} · seq ${record.seq}`;
  if (record !== undefined) va.mark(record.seq, markLabel, record.b?.tick ?? tickA);

  // One time axis: a zoom or pan of either is done to the other.
  const listeners: ((d: TimeDomain) => void)[] = [];
  let syncing = false;
  const sync = (from: LamportView, to: () => LamportView | undefined) =>
    from.onTimeChange((d) => {
      if (syncing) return;
      syncing = true;
      to()?.setTimeDomain(d);
      syncing = false;
      for (const l of listeners) l(d);
    });
  let vb: LamportView | undefined;
  sync(va, () => vb);
  va.setTimeDomain(options.domain ?? va.timeDomain());

  let cursor: number | null = null;
  let drawn: () => void = () => {};
  const whenDrawn = new Promise<void>((resolve) => {
    drawn = resolve;
  });
  const buildB = (): LamportView => {
    if (vb !== undefined) return vb;
    const v = lamportView(b, common);
    vb = v;
    dropKey(v);
    if (record !== undefined) v.mark(record.seq, markLabel, record.a?.tick ?? tickA);
    // The cursor first: moving it may pan, and B shows what A shows.
    v.setCursor(cursor);
    v.setTimeDomain(va.timeDomain());
    sync(v, () => va);
    pending.replaceWith(v.element);
    drawn();
    return v;
  };
  if (options.deferB ?? b.length > DEFER_RECORDS) {
    // After the frame that shows A (a frame's callbacks run before its paint), unless shown no more.
    requestAnimationFrame(() =>
      setTimeout(() => {
        if (vb === undefined && element.isConnected) buildB();
      }, 0),
    );
  } else buildB();

  return {
    element,
    a: va,
    get b() {
      return buildB();
    },
    drawnB: () => vb !== undefined,
    whenDrawn: () => whenDrawn,
    first,
    setCursor(tick) {
      cursor = tick;
      va.setCursor(tick);
      vb?.setCursor(tick);
    },
    timeDomain: () => va.timeDomain(),
    setTimeDomain(d) {
      va.setTimeDomain(d);
    },
    onTimeChange(listener) {
      listeners.push(listener);
    },
  };
}

/** The side column's verdicts of both runs. */
export interface CompareVerdictsView {
  readonly element: HTMLElement;
}

/**
 * A table of the checks of both runs: one row per check, its verdict in A
 * and in B, the rows whose verdict changed marked `changed` (with an arrow),
 * then the first difference as a button (`onFirst` moves the cursor there)
 * and the number of metrics that differ.
 */
export function compareVerdictsView(
  a: readonly Judged[],
  b: readonly Judged[],
  difference: RunDifference,
  names: readonly [string, string],
  onVerdict: (verdict: Judged) => void,
  onFirst: (seq: number) => void,
): CompareVerdictsView {
  const element = el('section', undefined, 'panel verdicts-panel compare-verdicts');
  element.append(el('h2', 'verdicts: A and B'));
  const table = el('table', undefined, 'compare-table');
  const head = el('tr');
  head.append(el('th', 'check'), el('th', 'A'), el('th', 'B'));
  table.append(head);
  const byName = (vs: readonly Judged[]) => {
    const seen = new Map<string, number>();
    const out = new Map<string, Judged>();
    for (const v of vs) {
      const n = (seen.get(v.property) ?? 0) + 1;
      seen.set(v.property, n);
      out.set(n === 1 ? v.property : `${v.property}#${n}`, v);
    }
    return out;
  };
  const ma = byName(a);
  const mb = byName(b);
  const checks = [...ma.keys(), ...[...mb.keys()].filter((k) => !ma.has(k))];
  const changed = new Set(difference.verdicts.map((v) => v.check));
  const chip = (v: Judged | undefined) => {
    const td = el('td');
    td.append(
      v === undefined ? el('span', '—', 'status none') : el('span', v.status, `status ${v.status}`),
    );
    return td;
  };
  for (const check of checks) {
    const va = ma.get(check);
    const vb = mb.get(check);
    const tr = el('tr', undefined, changed.has(check) ? 'changed' : 'same');
    tr.dataset['check'] = check;
    const name = el('td', undefined, 'check');
    const button = el('button', check, 'verdict');
    button.type = 'button';
    button.title = `${va?.summary ?? ''}${vb === undefined ? '' : `\nB: ${vb.summary}`}`;
    button.addEventListener('mousedown', (e) => e.preventDefault());
    button.addEventListener('click', () => {
      if (va !== undefined) onVerdict(va);
    });
    name.append(button);
    const bCell = chip(vb);
    if (changed.has(check)) bCell.prepend(el('span', '→ ', 'arrow'));
    tr.append(name, chip(va), bCell);
    table.append(tr);
  }
  if (checks.length === 0) {
    const tr = el('tr');
    tr.append(el('td', 'no checks'));
    table.append(tr);
  }
  element.append(table);
  const line = el('p', undefined, 'compare-changed');
  const n = difference.verdicts.length;
  line.textContent = n === 0 ? 'No verdict changed.' : `${n} verdict${n === 1 ? '' : 's'} changed.`;
  element.append(line);
  const record = difference.record;
  if (record === undefined) {
    element.append(
      el(
        'p',
        difference.identical
          ? 'The two runs are identical.'
          : 'Every record is the same; only the manifests differ.',
        'compare-first',
      ),
    );
  } else {
    const button = el('button', undefined, 'compare-first');
    button.type = 'button';
    button.dataset['seq'] = String(record.seq);
    const tick = record.a?.tick ?? record.b?.tick;
    button.append(
      el('span', FIRST_DIFFERENCE, 'first-label'),
      el(
        'span',
        ` at seq ${record.seq}${tick === undefined ? '' : `, tick ${tick}`}${record.a === undefined ? ` (${names[0]} had ended)` : record.b === undefined ? ` (${names[1]} had ended)` : ''}`,
      ),
    );
    button.title = `A: ${record.a?.line ?? '(ended)'}\nB: ${record.b?.line ?? '(ended)'}`;
    button.addEventListener('mousedown', (e) => e.preventDefault());
    button.addEventListener('click', () => onFirst(record.seq));
    element.append(button);
  }
  return { element };
}

/** The metrics of both runs, those that differ first, for below the stage. */
export function compareMetricsView(difference: RunDifference): HTMLElement {
  const box = el('div', undefined, 'compare-metrics');
  const table = el('table');
  const head = el('tr');
  head.append(el('th', 'metric'), el('th', 'A'), el('th', 'B'));
  table.append(head);
  const rows = [
    ...difference.metrics.filter((m) => m.differs),
    ...difference.metrics.filter((m) => !m.differs),
  ];
  const text = (v: unknown) => (v === undefined ? '—' : JSON.stringify(v));
  for (const m of rows) {
    const tr = el('tr', undefined, m.differs ? 'changed' : 'same');
    tr.append(el('td', m.metric), el('td', text(m.a)), el('td', text(m.b)));
    table.append(tr);
  }
  box.append(table);
  return box;
}
