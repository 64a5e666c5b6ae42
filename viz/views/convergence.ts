/**
 * Charts over time sharing one time axis, beside the run's verdicts: the
 * number of distinct values the honest agents hold (the convergence
 * checker's `metrics.distinct`), the spread of their numbers (its
 * `metrics.spread`, when they held numbers that differed), the fraction of
 * agents infected (the infection checker's `metrics.infected`), the
 * cumulative spend with the run's budget (charged as the budget checker
 * charges: done spends, and `cost.perMessage` per paid send), and the load
 * on a service with its success rate (load.ts). Every chart shades the
 * run's fault windows (windows.ts) and carries the playback cursor
 * (`setCursor`). A chart that would say nothing for this run is left out,
 * with one line saying why. Clicking a verdict calls `onVerdict` (the page
 * highlights its records in the Lamport diagram). Text goes in with d3's
 * `.text()` (textContent) only.
 */
import { format } from 'd3';
import type { CheckSpec, Json, Judged, Trace, Verdict } from '../../sim/index.ts';
import { check, valueKey, viewOf } from '../../sim/index.ts';
import { CursorIndex, InfectionIndex } from '../cursor.ts';
import { type FaultWindow, faultWindows } from '../windows.ts';
import { type Chart, type Series, timeChart, valueAt } from './chart.ts';
import { el } from './common.ts';
import { loadCharts } from './load.ts';

export interface ConvergenceOptions {
  /** Width of the whole view in CSS pixels; default 1000. */
  readonly width?: number;
  /** The verdicts to list (normally `judge(trace).verdicts`); none when absent. */
  readonly verdicts?: readonly Judged[];
  /** Called when a verdict is clicked. */
  readonly onVerdict?: (verdict: Judged) => void;
  /** The run's fault windows, if already read (default: read from the trace). */
  readonly windows?: readonly FaultWindow[];
  /** The trace's cursor index, if already built. */
  readonly index?: CursorIndex;
  /** The time axis ends here at least (two runs' charts on one axis); default after the run's last tick. */
  readonly endTick?: number;
}

export interface ConvergenceView {
  readonly element: HTMLElement;
  /** Titles of the charts drawn, in order. */
  readonly charts: readonly string[];
  /** Why each chart left out was left out, one line each. */
  readonly folded: readonly string[];
  /**
   * Moves every chart's cursor line to `tick` (null hides them). With the
   * cursor's record `seq`, the agents' charts are labelled with their value
   * at that record, which may differ from the value at the end of its tick.
   */
  setCursor(tick: number | null, seq?: number): void;
}

function series(v: Json | undefined): Series {
  if (!Array.isArray(v)) return [];
  const out: [number, number][] = [];
  for (const p of v)
    if (Array.isArray(p) && typeof p[0] === 'number' && typeof p[1] === 'number')
      out.push([p[0], p[1]]);
  return out;
}

interface SpendSpec {
  agents?: { id: string; budget?: number }[];
  cost?: { perMessage?: number; budgetRun?: number; unit?: string };
}

/**
 * Cumulative spend per tick with a charge, charged as the budget checker
 * charges (sim/checkers/spend.ts): done spends, and with `cost.perMessage`
 * every send not dropped for 'budget'. Also who was charged. Pure.
 */
export function spendSeries(trace: Trace): {
  points: Series;
  agents: ReadonlySet<string>;
  /** The cumulative spend after each charge, by the charge's seq. */
  bySeq: readonly (readonly [number, number])[];
} {
  const perMessage = ((trace.manifest.spec ?? {}) as SpendSpec).cost?.perMessage ?? 0;
  const unpaid = new Set<number>();
  if (perMessage > 0)
    for (let i = 0; i < trace.length; i++) {
      if (trace.kindAt(i) !== 2) continue; // drop
      const r = trace.record(i);
      if (r.data === 'budget' && r.msg !== undefined) unpaid.add(r.msg);
    }
  const points: [number, number][] = [];
  const bySeq: [number, number][] = [];
  const agents = new Set<string>();
  let total = 0;
  for (let i = 0; i < trace.length; i++) {
    const k = trace.kindAt(i);
    let amount = 0;
    if (k === 24) {
      const r = trace.record(i);
      const d = r.data as { amount?: Json; outcome?: Json } | null | undefined;
      if (d === null || typeof d !== 'object' || d.outcome === 'refused') continue;
      amount = typeof d.amount === 'number' ? d.amount : 0;
      if (r.agent !== undefined) agents.add(r.agent);
    } else if (k === 1 && perMessage > 0) {
      const r = trace.record(i);
      if (r.msg !== undefined && unpaid.has(r.msg)) continue;
      amount = perMessage;
      if (r.agent !== undefined) agents.add(r.agent);
    } else continue;
    total += amount;
    bySeq.push([i, total]);
    const tick = trace.record(i).tick;
    const last = points.at(-1);
    if (last?.[0] === tick) last[1] = total;
    else points.push([tick, total]);
  }
  return { points, agents, bySeq };
}

export function convergenceView(trace: Trace, options: ConvergenceOptions = {}): ConvergenceView {
  const width = options.width ?? 1000;
  const view = viewOf(trace);
  const lastTick = view.lastTick;
  const endTick = Math.max(lastTick + 1, options.endTick ?? 0);
  const windows = options.windows ?? faultWindows(trace);
  const checks = (trace.manifest.spec as { checks?: CheckSpec[] } | null)?.checks ?? [];
  const optionsOf = (property: string) => checks.find((c) => c.property === property)?.options;
  const converge: Verdict = check(view, 'convergence', optionsOf('convergence'));
  const infection: Verdict = check(view, 'infection', optionsOf('infection'));

  const element = el('div', undefined, 'view convergence');
  const plots = el('div', undefined, 'plots');
  const side = el('div', undefined, 'side');
  element.append(plots, side);
  const plotW = Math.max(320, width - 340);
  const titles: string[] = [];
  const folded: string[] = [];
  const charts: { chart: Chart; at?: (seq: number) => number }[] = [];
  const add = (title: string, chart: Chart, at?: (seq: number) => number) => {
    titles.push(title);
    charts.push(at === undefined ? { chart } : { chart, at });
    plots.append(chart.node);
  };
  let index: CursorIndex | undefined = options.index;
  const lanes = () => {
    index ??= new CursorIndex(trace);
    const i = index;
    const honest = trace.agentIds.flatMap((a, lane) => (view.honest.has(a) ? [lane] : []));
    return { i, honest };
  };
  /** The values the honest agents hold at `seq`, as the convergence checker reads them. */
  const heldAt = (seq: number, l: ReturnType<typeof lanes>) => {
    const out: (Json | undefined)[] = [];
    for (const lane of l.honest) {
      const v = l.i.valueOf(lane, seq);
      if (v !== undefined) out.push(v);
    }
    return out;
  };
  const base = { width: plotW, endTick, windows };

  const whole = format('d');
  const distinct = series(converge.metrics?.['distinct']);
  if (distinct.some(([, n]) => n > 0)) {
    const title = 'distinct values held by honest agents';
    add(
      title,
      timeChart({
        ...base,
        title,
        lines: [{ points: distinct, colour: '#2f6fb0' }],
        yFormat: whole,
        integral: true,
      }),
      (seq) => {
        const l = lanes();
        return new Set(heldAt(seq, l).map((v) => valueKey(v))).size;
      },
    );
  } else folded.push('No honest agent held a value, so there is no convergence chart.');

  const spread = series(converge.metrics?.['spread']);
  if (spread.some(([, s]) => s > 0)) {
    const title = "spread of the honest agents' numbers (max − min)";
    add(
      title,
      timeChart({
        ...base,
        title,
        lines: [{ points: spread, colour: '#6b4fa0' }],
        yFormat: format('~r'),
      }),
      (seq) => {
        const held = heldAt(seq, lanes());
        const nums = held.filter((v): v is number => typeof v === 'number');
        return nums.length === 0 || nums.length < held.length
          ? Number.NaN
          : Math.max(...nums) - Math.min(...nums);
      },
    );
  } else
    folded.push(
      spread.length === 0
        ? 'No agent held a number, so there is no spread chart.'
        : "The agents' numbers never differed, so there is no spread chart.",
    );

  const infected = series(infection.metrics?.['infected']);
  let infectionIndex: InfectionIndex | undefined;
  if (infected.some(([, f]) => f > 0)) {
    const title = 'fraction of agents infected';
    add(
      title,
      timeChart({
        ...base,
        title,
        lines: [{ points: infected, colour: '#d62728' }],
        yFormat: format('.0%'),
        yMax: 1,
      }),
      (seq) => {
        infectionIndex ??= new InfectionIndex(trace);
        return infectionIndex.countAt(seq) / Math.max(1, trace.agentIds.length);
      },
    );
  } else folded.push('No agent followed an injected instruction, so there is no infection chart.');

  const spend = spendSeries(trace);
  if (spend.points.length > 0) {
    const spec = (trace.manifest.spec ?? {}) as SpendSpec;
    const unit = spec.cost?.unit === undefined ? '' : ` (${spec.cost.unit})`;
    const rules: { value: number; label: string }[] = [];
    if (typeof spec.cost?.budgetRun === 'number')
      rules.push({ value: spec.cost.budgetRun, label: `run budget ${spec.cost.budgetRun}` });
    // An agent's budget bounds the total only when it is the one agent that spent.
    const only = spend.agents.size === 1 ? [...spend.agents][0] : undefined;
    const cap = (spec.agents ?? []).find((a) => a.id === only)?.budget;
    if (only !== undefined && typeof cap === 'number')
      rules.push({ value: cap, label: `${only}'s budget ${cap}` });
    const title = 'cumulative spend';
    add(
      title,
      timeChart({
        ...base,
        title: `${title}${unit}`,
        lines: [{ points: spend.points, colour: '#2f6fb0' }],
        yFormat: format('~s'),
        valueFormat: format(',.6~r'),
        rules,
      }),
      (seq) => valueAt(spend.bySeq, seq) ?? 0,
    );
  } else folded.push('Nothing was spent, so there is no spend chart.');

  const load = loadCharts(trace, base);
  if (load !== undefined) for (const c of load.charts) add(c.title, c.chart);
  else folded.push('No message carried a request id, so there is no load chart.');

  if (folded.length > 0) {
    const list = el('ul', undefined, 'folded note');
    list.style.margin = '0.2rem 0';
    list.style.paddingLeft = '1.1rem';
    for (const f of folded) list.append(el('li', f));
    plots.append(list);
  }

  side.append(el('h3', 'verdicts'));
  const list = el('ul', undefined, 'verdicts');
  for (const v of options.verdicts ?? []) {
    const mark = v.expect === undefined ? '·' : v.met ? '✓' : '✗';
    const item = el('li', undefined, v.met ? 'met' : 'unmet');
    const button = el('button', undefined, 'verdict');
    button.type = 'button';
    button.title = `${v.records.length} records; click to highlight them in the diagram`;
    button.append(
      el('span', `${mark} ${v.property}: `, 'property'),
      el('span', v.status, `status ${v.status}`),
      el('span', v.expect === undefined ? '' : ` (expected ${v.expect})`),
    );
    item.append(button, el('div', v.summary, 'summary-line'));
    button.addEventListener('click', () => {
      for (const b of list.querySelectorAll('button.verdict')) b.classList.remove('active');
      button.classList.add('active');
      options.onVerdict?.(v);
    });
    list.append(item);
  }
  if ((options.verdicts ?? []).length === 0) list.append(el('li', 'no checks'));
  side.append(list);
  return {
    element,
    charts: titles,
    folded,
    setCursor(tick, seq) {
      for (const c of charts)
        c.chart.setCursor(tick, seq === undefined || c.at === undefined ? undefined : c.at(seq));
    },
  };
}
