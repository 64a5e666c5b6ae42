/**
 * The visualizer's page: runs a catalogue scenario in a web worker with the
 * same loader and engine as the command line, rebuilds the trace from the
 * JSONL text it sends back, and tells what happened. The stage (layout.ts)
 * fits the window: the playback toolbar, the space-time diagram or the
 * topology large on the left, and beside it the verdicts (click one to jump
 * to its records), the key moments of the run (sim/story.ts; click one, or
 * `n` and `p`, to move the cursor there) and the lesson, rendered. Below the
 * stage: the agents' states and values, the charts, the records and the
 * run's metadata. A playback cursor moves through the records and every view
 * follows it; by default the whole run plays in about 30 s. Presenter mode
 * (`?present` or `f`) shows the stage alone in large type. The scenario,
 * variant, overrides, seed and cursor come from the URL
 * (`?scenario=two-generals&seed=2&at=40`), so a link reproduces a run at an
 * event. Text from scenarios and traces is only ever set as textContent.
 */

import { diffRuns, type RunDifference } from '../sim/diff.ts';
import {
  judge,
  keyMoments,
  type Moment,
  type Trace,
  type TraceRecord,
  viewOf,
} from '../sim/index.ts';
import { scheduleOfQuery } from '../sim/schedule-query.ts';
import { traceFromJsonl } from '../sim/trace-read.ts';
import { type Compare, compareText, parseCompare, type Workshop } from '../sim/workshop.ts';
import { CATALOG, LESSONS, loadCatalog } from './catalog.ts';
import { type AgentAt, CursorIndex } from './cursor.ts';
import { type Decision, decisionsLine } from './decisions.ts';
import { exportsBar } from './exports.ts';
import { decodeFile, encodeFile, URL_FILE_CHARS_MAX } from './file-url.ts';
import { type DropZone, installDropZone, type LoadedFile } from './files.ts';
import {
  MAIN_VIEWS,
  type MainView,
  presenting,
  type Stage,
  setPresenting,
  stageLayout,
} from './layout.ts';
import { type Player, player } from './player.ts';
import { type RunSummary, runInWorker } from './run-client.ts';
import type { ScenarioFile } from './sweep-cell.ts';
import { type SweepPanel, sweepPanel } from './sweep-panel.ts';
import { el, jsonText, short, type TimeDomain } from './views/common.ts';
import {
  type ComparePair,
  compareMetricsView,
  comparePair,
  compareVerdictsView,
  lastTickOf,
  pastEnd,
} from './views/compare.ts';
import { convergenceView } from './views/convergence.ts';
import { type LamportView, lamportView } from './views/lamport.ts';
import { lanesView } from './views/lanes.ts';
import { lessonView } from './views/lesson.ts';
import { storyView } from './views/story.ts';
import { topologyView } from './views/topology.ts';
import { verdictsView } from './views/verdicts.ts';
import { faultWindows } from './windows.ts';
import { loadPageWorkshop } from './workshops.ts';

/** The scenario shown when the URL names none. */
export const DEFAULT_SCENARIO = 'two-generals';

/** Rows of the records table at a time: a window around the cursor. */
const RECORDS_WINDOW = 400;
/** Agents listed in the summary at the cursor. */
const AGENTS_SHOWN_MAX = 40;
/** Under a diagram or charts that leave this much height free (CSS pixels), the topology is shown too. */
const BOTH_ROOM_MIN_PX = 240;
/** A zoom key shows this much less (or more) time. */
const ZOOM_FACTOR = 1.5;
/** Shift and an arrow pan the diagram by this part of the time in view. */
const PAN_PART = 0.25;
/** The diagram is built again for a main area this much wider or narrower (CSS pixels). */
const REBUILD_PX = 8;
/**
 * The width convergenceView keeps beside its charts for its own verdict list
 * (its plots are `width - 340` wide); the page shows the verdicts in the side
 * column instead, so it asks for this much more to give the charts the width.
 */
const CHARTS_SIDE_PX = 340;
/** The space-time diagram's texts are this much larger in presenter mode. */
const PRESENT_TEXT_SCALE = 1.3;
/** A compared diagram's lanes are never shorter than this (CSS pixels): below it, the main area scrolls. */
const COMPARE_LANES_PX_MIN = 60;
/**
 * What a compared diagram needs besides its lanes (CSS pixels): its label
 * and note lines, the canvas's top and bottom margins and border, the gap.
 */
const COMPARE_CHROME_PX = 112;
/** The charts in the stage are drawn this much narrower and scaled up to the room: larger type, for a room. */
const STAGE_CHARTS_SCALE = 1.3;

interface Picker {
  readonly form: HTMLFormElement;
  setVariants(variants: readonly string[]): void;
  setSeed(seed: number): void;
}

/** What the picker offers besides the catalogue. */
interface PickerExtras {
  /** A scenario file of the user's, the page's scenario: named first in the list and selected. */
  readonly file?: { readonly name: string; readonly code: string | undefined } | undefined;
  /** The `compare` of the page (`variant:mitigated`), if any. */
  readonly compare?: string | undefined;
  /** Runs the page again for `query` in place (for a file of the user's, which a reload may lose). */
  readonly onFile?: (query: URLSearchParams) => void;
}

/** The value of the picker's option for the user's file. */
const FILE_OPTION = ':file';

function picker(
  current: string,
  seed: number | undefined,
  variant: string | undefined,
  overrides: readonly string[],
  extras: PickerExtras = {},
): Picker {
  const form = el('form', undefined, 'picker');
  const select = el('select');
  select.name = 'scenario';
  if (extras.file !== undefined) {
    const option = el('option', `${extras.file.name} (your file)`);
    option.value = FILE_OPTION;
    option.selected = true;
    select.append(option);
  }
  for (const name of CATALOG.keys()) {
    const option = el('option', name);
    option.value = name;
    option.selected = extras.file === undefined && name === current;
    select.append(option);
  }
  const seedInput = el('input');
  seedInput.name = 'seed';
  seedInput.type = 'number';
  seedInput.min = '0';
  seedInput.value = seed === undefined ? '' : String(seed);
  const go = el('button', 'run');
  go.type = 'submit';
  const variantSelect = el('select');
  variantSelect.name = 'variant';
  const setVariants = (variants: readonly string[]) => {
    variantSelect.replaceChildren();
    const list =
      variant === undefined || variants.includes(variant) ? variants : [...variants, variant];
    for (const v of ['', ...list]) {
      const option = el('option', v === '' ? '(default)' : v);
      option.value = v;
      option.selected = v === (variant ?? '');
      variantSelect.append(option);
    }
  };
  setVariants([]);
  const sets = el('input');
  sets.name = 'sets';
  sets.placeholder = 'network.dropRatio=0.2; agents.count=8';
  sets.value = overrides.join('; ');
  sets.className = 'sets';
  const compare = el('input');
  compare.name = 'compare';
  compare.placeholder = 'variant:mitigated';
  compare.title =
    'a second run beside the first: variant:NAME, seed:N or set:PATH=VALUE (several separated by ;)';
  compare.value = extras.compare ?? '';
  compare.className = 'compare-input';
  form.append(
    el('label', 'scenario '),
    select,
    el('label', ' variant '),
    variantSelect,
    el('label', ' seed '),
    seedInput,
    el('label', ' set '),
    sets,
    el('label', ' compare '),
    compare,
    go,
  );
  // Empty fields stay out of the URL, and overrides become one `set` each, as on the command line.
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const own = select.value === FILE_OPTION;
    const q = new URLSearchParams(own ? {} : { scenario: select.value });
    if (own && extras.file !== undefined) {
      if (extras.file.code !== undefined) q.set('file', extras.file.code);
      q.set('name', extras.file.name);
    }
    if (seedInput.value !== '') q.set('seed', seedInput.value);
    if (variantSelect.value !== '' && (own || select.value === current))
      q.set('variant', variantSelect.value);
    for (const o of sets.value
      .split(';')
      .map((x) => x.trim())
      .filter((x) => x !== ''))
      q.append('set', o);
    if (compare.value.trim() !== '') q.set('compare', compare.value.trim());
    if (own && extras.onFile !== undefined) extras.onFile(q);
    else location.search = q.toString();
  });
  return {
    form,
    setVariants,
    setSeed(s) {
      seedInput.value = String(s);
    },
  };
}

/** The run's metadata, and the cursor's position with every agent's state there. */
function summaryView(trace: Trace, summary: RunSummary, variant: string | undefined) {
  const element = el('div', undefined, 'run-summary');
  const dl = el('dl', undefined, 'summary');
  const row = (label: string, value: string) => {
    const dd = el('dd', value);
    dl.append(el('dt', label), dd);
    return dd;
  };
  row('scenario', variant === undefined ? summary.scenario : `${summary.scenario} (${variant})`);
  row('seed', String(summary.seed));
  row('stopped', `${summary.stop.reason} at tick ${summary.stop.tick}`);
  row('events', String(summary.events));
  // Decisions made by the cursor, not at the end, counted per value: one short line however many agents.
  const decisionsRow = row('decisions', '');
  const decides: number[] = [];
  for (let i = 0; i < trace.length; i++) if (trace.kindAt(i) === 9) decides.push(i); // decide
  const decided: Decision[] = [];
  let decisionsShown = -1;
  const showDecisions = (seq: number) => {
    let k = 0;
    for (let hi = decides.length; k < hi; ) {
      const mid = (k + hi) >> 1;
      if ((decides[mid] as number) <= seq) k = mid + 1;
      else hi = mid;
    }
    if (k === decisionsShown) return;
    decisionsShown = k;
    for (let i = decided.length; i < k; i++) {
      const r = trace.record(decides[i] as number);
      decided.push({ agent: r.agent ?? '?', value: r.data ?? null });
    }
    decisionsRow.textContent = decisionsLine(decided.slice(0, k), decides.length);
  };
  const hash = trace.hash();
  row('trace hash', hash);
  if (hash !== summary.hash)
    row('warning', `the worker's trace hash was ${summary.hash}: the trace text was changed`);
  const at = row('cursor', '');
  element.append(dl);

  const index = new CursorIndex(trace);
  const table = el('table', undefined, 'agents-at');
  const head = el('tr');
  for (const h of ['agent', 'status', 'state', 'holds', 'decided']) head.append(el('th', h));
  table.append(head);
  const shown = Math.min(trace.agentIds.length, AGENTS_SHOWN_MAX);
  const cells: HTMLTableCellElement[][] = [];
  for (let i = 0; i < shown; i++) {
    const tr = el('tr');
    const rowCells = [0, 1, 2, 3, 4].map(() => el('td'));
    tr.append(...rowCells);
    table.append(tr);
    cells.push(rowCells);
  }
  const agents = el('div', undefined, 'agents-box');
  agents.append(table);
  if (shown < trace.agentIds.length)
    agents.append(
      el('p', `The first ${shown} of ${trace.agentIds.length} agents are listed.`, 'note'),
    );
  element.append(agents);

  const update = (seq: number) => {
    showDecisions(seq);
    if (seq < 0) {
      at.textContent = 'no records';
      return;
    }
    const r = trace.record(seq);
    const arrow =
      r.kind === 'deliver'
        ? '←'
        : r.kind === 'send' || r.kind === 'drop' || r.kind === 'duplicate'
          ? '→'
          : '·';
    const who =
      r.agent === undefined
        ? ''
        : ` ${r.agent}${r.peer === undefined ? '' : ` ${arrow} ${r.peer}`}`;
    at.textContent = `tick ${r.tick} · seq ${seq} / ${trace.length - 1} · ${r.kind}${who}`;
    const agentsAt: AgentAt[] = index.at(seq);
    cells.forEach((c, i) => {
      const a = agentsAt[i] as AgentAt;
      const values = [
        short(a.agent, 30),
        a.status,
        short(a.state, 40),
        short(a.value === undefined ? '' : jsonText(a.value), 40),
        short(a.decided === undefined ? '' : jsonText(a.decided), 40),
      ];
      values.forEach((v, k) => {
        const td = c[k] as HTMLTableCellElement;
        if (td.textContent !== v) td.textContent = v;
      });
      (c[1] as HTMLTableCellElement).className = `status-${a.status}`;
    });
  };
  return { element, update, index };
}

/** The records table: a window of rows around the cursor, the cursor's row marked and scrolled to. */
function recordsView(trace: Trace, onPick: (seq: number) => void) {
  const element = el('div', undefined, 'records');
  const note = el('p', '', 'note');
  const box = el('div', undefined, 'records-box');
  const table = el('table');
  box.append(table);
  element.append(note, box);
  let from = -1;
  let to = -1;
  let current: HTMLTableRowElement | undefined;

  const fill = (start: number) => {
    from = start;
    to = Math.min(trace.length, start + RECORDS_WINDOW);
    table.replaceChildren();
    const head = el('tr');
    for (const h of ['seq', 'tick', 'kind', 'agent', 'peer', 'msg', 'cause', 'data'])
      head.append(el('th', h));
    table.append(head);
    for (let i = from; i < to; i++) {
      const r: TraceRecord = trace.record(i);
      const tr = el(
        'tr',
        undefined,
        r.kind === 'drop' ? 'drop' : r.kind === 'decide' ? 'decide' : undefined,
      );
      tr.dataset['seq'] = String(i);
      const cells = [r.seq, r.tick, r.kind, r.agent, r.peer, r.msg, r.cause, jsonText(r.data)];
      for (const c of cells) tr.append(el('td', c === undefined ? '' : short(String(c), 300)));
      table.append(tr);
    }
    note.textContent =
      to - from < trace.length
        ? `Records ${from}–${to - 1} of ${trace.length} (the table follows the cursor; click a row to move it there).`
        : `${trace.length} records; click a row to move the cursor there.`;
  };

  table.addEventListener('click', (e) => {
    const tr = (e.target as Element).closest('tr');
    const seq = tr?.dataset['seq'];
    if (seq !== undefined) onPick(Number(seq));
  });

  const update = (seq: number) => {
    if (seq < 0) return;
    if (seq < from || seq >= to)
      fill(Math.max(0, Math.min(trace.length - RECORDS_WINDOW, seq - RECORDS_WINDOW / 2)));
    current?.classList.remove('current');
    current = table.rows[seq - from + 1];
    if (current === undefined) return;
    current.classList.add('current');
    // Scroll the box, not the page: the cursor's row in the middle.
    const top = current.offsetTop - box.clientHeight / 2 + current.offsetHeight / 2;
    box.scrollTop = Math.max(0, top);
  };
  return { element, update };
}

/** Changes the URL's query in place (no new history entry); `present` stays a bare flag. */
function replaceQuery(change: (q: URLSearchParams) => void): void {
  const q = new URLSearchParams(location.search);
  change(q);
  const search = q.toString().replace(/(^|&)present=(?=&|$)/, '$1present');
  history.replaceState(
    null,
    '',
    `${location.pathname}${search === '' ? '' : `?${search}`}${location.hash}`,
  );
}

/** Keeps `at=SEQ` in the URL (shortly after the cursor rests, so history is not flooded). */
function urlKeeper(): (seq: number) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (seq) => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => replaceQuery((q) => q.set('at', String(seq))), 200);
  };
}

/**
 * Controls for the scenario's main parameters: the paths its default sweep
 * varies, each offered with the sweep's values (and the value now in force).
 * Changing one re-runs the scenario with that override, the same seed and
 * variant, deterministically; the URL keeps it.
 */
function knobsView(
  name: string,
  variant: string | undefined,
  overrides: readonly string[],
): HTMLElement | null {
  const text = CATALOG.get(name);
  if (text === undefined) return null;
  let axes: [string, unknown[]][] = [];
  try {
    const sweep = (loadCatalog(name, variant, overrides).source.sweep?.params ?? {}) as Record<
      string,
      unknown[]
    >;
    axes = Object.entries(sweep);
  } catch {
    return null;
  }
  if (axes.length === 0) return null;
  const current = new Map(
    overrides.map((o) => [o.slice(0, o.indexOf('=')), o.slice(o.indexOf('=') + 1)] as const),
  );
  const box = el('div', undefined, 'knobs');
  box.append(el('span', 'parameters', 'knobs-title'));
  for (const [path, values] of axes) {
    const label = el('label', `${path} `);
    const select = el('select');
    const none = el('option', '(as in the file)');
    none.value = '';
    select.append(none);
    for (const v of values) {
      const option = el('option', JSON.stringify(v));
      option.value = JSON.stringify(v);
      option.selected = current.get(path) === option.value;
      select.append(option);
    }
    select.addEventListener('change', () => {
      const q = new URLSearchParams(location.search);
      const kept = q.getAll('set').filter((o) => !o.startsWith(`${path}=`));
      q.delete('set');
      for (const o of kept) q.append('set', o);
      if (select.value !== '') q.append('set', `${path}=${select.value}`);
      q.delete('at');
      location.search = q.toString();
    });
    label.append(select);
    box.append(label);
  }
  return box;
}

/** Shows a dropped or picked trace or scenario file in `content`, replacing what was there. */
async function showFile(
  content: HTMLElement,
  f: Exclude<LoadedFile, { kind: 'sweep' | 'sweep-manifest' }>,
): Promise<void> {
  content.replaceChildren(el('p', `loaded ${f.file}`, 'note'));
  if (f.kind === 'trace') {
    const trace = f.trace;
    const decisions = [];
    for (let i = 0; i < trace.length; i++) {
      const r = trace.record(i);
      if (r.kind === 'decide')
        decisions.push({
          agent: r.agent as string,
          value: r.data ?? null,
          tick: r.tick,
          seq: r.seq,
        });
    }
    const summary: RunSummary = {
      scenario: trace.manifest.scenario,
      seed: trace.manifest.seed,
      stop: trace.stop ?? {
        reason: 'quiescent',
        tick: trace.length === 0 ? 0 : trace.record(trace.length - 1).tick,
      },
      events: trace.length,
      decisions,
      hash: trace.hash(),
      records: trace.length,
      variants: [],
    };
    // No JSONL text kept: the export button writes it from the trace when clicked.
    const lesson = LESSONS.get(summary.scenario);
    showRun(content, trace, undefined, summary, {
      keepUrl: false,
      lesson: lesson === undefined ? undefined : { name: summary.scenario, text: lesson },
    });
    return;
  }
  const reply = await runInWorker({ scenarioText: f.text, file: f.file, overrides: [] });
  if (!reply.ok) {
    content.append(el('pre', reply.error, 'error'));
    return;
  }
  showRun(content, traceFromJsonl(reply.jsonl, f.file), reply.jsonl, reply.summary, {
    keepUrl: false,
    description: reply.summary.description,
  });
}

/**
 * Routes dropped files: a sweep's rows and manifest go to one sweep panel
 * (made on the first of them), whose cells run the sweep's own scenario; a
 * scenario file the panel waits for goes to it; any other scenario file
 * becomes the page's scenario (`onScenario`); a trace replaces the content.
 */
function fileRouter(
  content: HTMLElement,
  onScenario: (file: ScenarioFile) => void,
): (f: LoadedFile) => void {
  let panel: SweepPanel | undefined;
  const scenarioFiles: ScenarioFile[] = [];
  return (f) => {
    const shown = panel !== undefined && content.contains(panel.element);
    if (f.kind === 'sweep' || f.kind === 'sweep-manifest') {
      if (panel === undefined || !shown) {
        panel = sweepPanel({
          catalog: CATALOG,
          scenarioFiles: () => scenarioFiles,
          width: Math.max(640, Math.min(1100, (content.clientWidth || 1000) - 20)),
          // A cell's run below the heatmap; the page's URL stays that of the page's own run.
          showRun: (container, reply, plan) =>
            showRun(
              container,
              traceFromJsonl(reply.jsonl, `${plan.scenario}.jsonl`),
              reply.jsonl,
              reply.summary,
              { variant: plan.variant, keepUrl: false, embedded: true },
            ),
        });
        // The page's run leaves the page: its keys with it.
        activeRun?.dispose();
        activeRun = undefined;
        content.replaceChildren(panel.element);
      }
      panel.add(f);
      return;
    }
    if (f.kind === 'scenario') {
      scenarioFiles.push({ file: f.file, text: f.text });
      if (shown && panel?.offerScenario({ file: f.file, text: f.text })) return;
      onScenario({ file: f.file, text: f.text });
      return;
    }
    void showFile(content, f);
  };
}

/** Options of one run's views. */
interface RunOptions {
  readonly variant?: string | undefined;
  /** The first cursor position: a record seq, the last record (`end`, the default) or the first key moment. */
  readonly at?: number | 'end' | 'first-moment' | undefined;
  /** A second run shown beside this one (`?compare=`). */
  readonly compare?: CompareRun | undefined;
  /** Whether the cursor is kept in the URL (not for a run the URL does not describe); default true. */
  readonly keepUrl?: boolean;
  /** The scenario's lesson (Markdown), shown beside the run. */
  readonly lesson?: { readonly name: string; readonly text: string } | undefined;
  /** The scenario's one-line description. */
  readonly description?: string | undefined;
  /** The controls of the scenario's main parameters. */
  readonly knobs?: HTMLElement | null;
  /** A run shown inside another panel (a sweep's cell): a stage of fixed height, no presenter mode. */
  readonly embedded?: boolean;
  /**
   * The main view to open on; default the diagram, or the charts when the
   * diagram is too crowded to show single messages (it draws density) and
   * the run has charts.
   */
  readonly view?: MainView | undefined;
}

/** The second run of `?compare=`: its trace and what it is. */
interface CompareRun {
  readonly trace: Trace;
  readonly summary: RunSummary;
  /** What it differs by, as `?compare=` writes it (`variant:mitigated`). */
  readonly compare: Compare;
  /** Each run's label above its diagram. */
  readonly labels: readonly [string, string];
}

/** The two runs of `?compare=` on the page. */
export interface CompareShown {
  /** The diagrams (built again when the room changes). */
  readonly pair: () => ComparePair;
  readonly difference: RunDifference;
  readonly b: Trace;
}

/** The workshop the page walks through. */
export interface WorkshopShown {
  readonly workshop: Workshop;
  /** The step shown, from 1. */
  readonly step: number;
  /** Shows step `step` (from 1) in place of this one. */
  go(step: number): Promise<RunPage | undefined>;
}

/** A run on the page, for the page's own keys and for tests. */
export interface RunPage {
  /** The second run beside this one, with `?compare=`. */
  readonly compare?: CompareShown | undefined;
  /** The workshop and step shown, with `?workshop=`. */
  workshop?: WorkshopShown | undefined;
  /** The page's query: what its link carries (a user's file included when small enough). */
  query?: string | undefined;
  readonly player: Player;
  readonly stage: Stage;
  readonly moments: readonly Moment[];
  readonly lamport: () => LamportView;
  /** Lays the stage out again for the window (size, presenter mode). */
  relayout(): void;
  /** Turns presenter mode on or off, keeping it in the URL. */
  present(on: boolean): void;
  /** Stops playback and the page's key and window listeners. */
  dispose(): void;
}

/** The run whose keys the page listens to (the run shown after it disposes it). */
let activeRun: RunPage | undefined;

/** The run the page shows now (after a workshop step or a dropped file was shown in place), for tests. */
export function shownRun(): RunPage | undefined {
  return activeRun;
}

/**
 * The views of one run: the stage (playback, main view, verdicts, story,
 * lesson) and below it the lanes, the charts, the records and the run's
 * metadata with its parameters and exports.
 */
function showRun(
  root: HTMLElement,
  trace: Trace,
  jsonl: string | undefined,
  summary: RunSummary,
  options: RunOptions = {},
): RunPage {
  const embedded = options.embedded === true;
  const keepUrl = options.keepUrl !== false && !embedded;
  // One run listens to the keys: the page's, or the sweep cell's shown in its place.
  activeRun?.dispose();
  activeRun = undefined;
  const { variant, at } = options;
  const stage = stageLayout(embedded);
  const below = el('div', undefined, 'below');
  root.append(stage.element, below);
  stage.fitHeight();

  // The trace indexed once for the checkers and the story.
  const runView = viewOf(trace);
  const verdicts = judge(runView).verdicts;
  const moments = keyMoments(runView, verdicts);
  const summaryPart = summaryView(trace, summary, variant);
  const windows = faultWindows(trace);
  const belowWidth = Math.max(640, Math.min(1400, below.clientWidth || 1000));
  const lanes = lanesView(trace, { width: belowWidth, windows });
  const start =
    at === 'first-moment' ? (moments[0]?.seq ?? trace.length - 1) : at === 'end' ? undefined : at;
  const beyond = options.compare === undefined ? undefined : pastEnd(trace, options.compare.trace);
  const play = player(trace, {
    ...(start === undefined || !Number.isFinite(start) ? {} : { start }),
    ...(beyond === undefined ? {} : { beyond }),
    speed: 'auto',
    // + and - zoom the diagram on this page.
    speedKeys: { faster: ['>'], slower: ['<'] },
  });
  stage.toolbar.prepend(play.element);

  // ---- the main view: the diagram (built again when the main area's width changes) and the topology ----
  // With a second run beside it, the time axis runs to the later end of the two.
  const lastTick = Math.max(
    1,
    trace.stop?.tick ?? (trace.length > 0 ? trace.record(trace.length - 1).tick : 1),
    options.compare === undefined ? 0 : lastTickOf(options.compare.trace),
  );
  /** A's record at player position `pos`: past A's end (a longer second run), A's last. */
  const seqOf = (pos: number) => Math.min(pos, trace.length - 1);
  /** The cursor's tick at player position `pos` (past A's end, the second run's). */
  const timeOf = (pos: number) =>
    pos < 0
      ? null
      : pos < trace.length
        ? trace.record(pos).tick
        : (beyond?.tick(pos - trace.length) ?? lastTick);
  const exportsBox = el('div', undefined, 'exports-box');
  let lamport: LamportView | undefined;
  let lamportWidth = 0;
  let lamportLanesPx = 0;
  // ---- with ?compare=: both runs' diagrams, one above the other on one time axis ----
  const other = options.compare;
  const bVerdicts = other === undefined ? [] : judge(viewOf(other.trace)).verdicts;
  const difference =
    other === undefined
      ? undefined
      : diffRuns({ trace, verdicts }, { trace: other.trace, verdicts: bVerdicts });
  let pair: ComparePair | undefined;
  /** Each compared diagram's lanes at most this tall, so that both fit the main area. */
  const compareLanesPx = () =>
    Math.max(
      COMPARE_LANES_PX_MIN,
      Math.floor(
        (stage.area.clientHeight - 2 * (COMPARE_CHROME_PX + (textScale() === 1 ? 0 : 12))) / 2,
      ),
    );
  /** The diagram's texts larger in presenter mode, for a room. */
  const textScale = () => (presenting() && !embedded ? PRESENT_TEXT_SCALE : 1);
  let lamportScale = 1;
  const buildDiagram = (width: number) => {
    const before = lamport;
    lamportScale = textScale();
    let next: LamportView;
    if (other !== undefined && difference !== undefined) {
      lamportLanesPx = compareLanesPx();
      pair = comparePair(trace, other.trace, difference, {
        width,
        lanesPxMax: lamportLanesPx,
        labels: other.labels,
        textScale: lamportScale,
        ...(before === undefined ? {} : { domain: before.timeDomain() }),
      });
      next = pair.a;
      if (before !== undefined) next.highlight(before.highlighted());
      pair.setCursor(timeOf(play.position()));
      stage.diagram.replaceChildren(pair.element);
    } else {
      next = lamportView(trace, { width, textScale: lamportScale });
      if (before !== undefined) {
        next.setTimeDomain(before.timeDomain());
        next.highlight(before.highlighted());
      }
      next.setCursor(timeOf(play.position()));
      stage.diagram.replaceChildren(next.element);
    }
    next.onTimeChange((domain) => lanes.setTimeDomain(domain));
    lamport = next;
    lamportWidth = width;
    lanes.setTimeDomain(next.timeDomain());
    // The PNG export saves the diagram as drawn, so it follows the diagram.
    exportsBox.replaceChildren(
      exportsBar(trace, {
        ...(jsonl === undefined ? {} : { jsonl }),
        canvas: next.canvas,
        ...(variant === undefined ? {} : { variant }),
      }),
    );
  };
  buildDiagram(Math.max(480, stage.area.clientWidth || 1000));
  const diagram = () => lamport as LamportView;
  const topology = topologyView(trace, {
    width: Math.max(480, stage.area.clientWidth || 1000),
    windows,
    index: summaryPart.index,
    valueColour: (key) => lanes.colourOf(key),
  });
  // The picture scales to the room the stage gives it.
  topology.svg.setAttribute(
    'viewBox',
    `0 0 ${topology.svg.getAttribute('width')} ${topology.svg.getAttribute('height')}`,
  );
  stage.topology.append(topology.element);

  // ---- the side column: verdicts, key moments, lesson ----
  const onVerdict = (v: (typeof verdicts)[number]) => {
    diagram().highlight(v.records);
    const first = v.records[0];
    if (first !== undefined) {
      play.pause();
      play.seek(first);
    }
  };
  const verdictsPart =
    other === undefined || difference === undefined
      ? verdictsView(verdicts, onVerdict)
      : compareVerdictsView(verdicts, bVerdicts, difference, ['A', 'B'], onVerdict, (seq) => {
          play.pause();
          play.seek(Math.min(seq, trace.length - 1));
        });
  const story = storyView(moments, (m) => {
    play.pause();
    play.seek(m.seq);
  });
  stage.side.append(verdictsPart.element, story.element);
  const lesson =
    options.lesson === undefined
      ? undefined
      : lessonView(options.lesson.name, options.lesson.text, moments[0]?.seq ?? trace.length - 1);
  if (lesson !== undefined) stage.side.append(lesson.now, lesson.whole);
  const toNextMoment = () => {
    const m = story.next(seqOf(play.position()));
    if (m !== undefined) play.playTo(m.seq);
  };
  stage.toMoment.addEventListener('click', toNextMoment);

  const name = variant === undefined ? summary.scenario : `${summary.scenario} (${variant})`;
  stage.title.append(el('span', `${name} · seed ${summary.seed}`, 'run-name'));
  if (other !== undefined)
    stage.title.append(el('span', `beside ${compareText(other.compare)}`, 'compare-what'));
  // A schedule of `parley explore`: its choices, not the seed, made the network's draws.
  const explored = (trace.manifest as { choices?: { choices?: unknown } }).choices?.choices;
  if (Array.isArray(explored))
    stage.title.append(el('span', `explored · ${explored.length} choices`, 'compare-what'));
  if (options.description !== undefined)
    stage.title.append(el('span', options.description, 'description'));
  stage.title.title = `${name} · seed ${summary.seed}${options.description === undefined ? '' : `: ${options.description}`}`;

  // ---- below the stage ----
  /** The charts, without their verdict list (the verdicts are in the side column), `width` wide. */
  const chartsView = (
    width: number,
    of: { trace: Trace; windows: typeof windows; index: CursorIndex } = {
      trace,
      windows,
      index: summaryPart.index,
    },
  ) => {
    const view = convergenceView(of.trace, {
      width: width + CHARTS_SIDE_PX,
      windows: of.windows,
      index: of.index,
      // Two runs' charts on one time axis.
      ...(other === undefined
        ? {}
        : { endTick: Math.max(lastTickOf(trace), lastTickOf(other.trace)) + 1 }),
    });
    view.element.querySelector(':scope > .side')?.remove();
    // Scaled down rather than cut if the room is narrower than asked.
    for (const svg of view.element.querySelectorAll('svg.chart'))
      svg.setAttribute('viewBox', `0 0 ${svg.getAttribute('width')} ${svg.getAttribute('height')}`);
    return view;
  };
  const convergence = chartsView(belowWidth);
  /** The charts in the stage, built when first shown (with ?compare=, B's below A's). */
  let stageCharts: ReturnType<typeof chartsView> | undefined;
  let stageChartsB: ReturnType<typeof chartsView> | undefined;
  /** B's record at the cursor's tick: its last record at that tick or before. */
  const bAt = (tick: number | null): [number | null, number] => {
    if (other === undefined || tick === null) return [null, -1];
    const b = other.trace;
    let lo = 0;
    for (let hi = b.length; lo < hi; ) {
      const mid = (lo + hi) >> 1;
      if (b.record(mid).tick <= tick) lo = mid + 1;
      else hi = mid;
    }
    return [tick, lo - 1];
  };
  const records = recordsView(trace, (seq) => play.seek(seq));
  const runPart = el('div', undefined, 'run-part');
  if (options.knobs != null) runPart.append(options.knobs);
  runPart.append(summaryPart.element, exportsBox);
  if (difference !== undefined)
    below.append(
      el('h2', 'the two runs: metrics (those that differ first)'),
      compareMetricsView(difference),
    );
  below.append(
    el('h2', 'agent states and values'),
    lanes.element,
    el('h2', 'charts'),
    convergence.element,
    el('h2', 'records'),
    records.element,
    el('h2', 'this run'),
    runPart,
  );

  // ---- the stage's layout: the diagram's width, and the topology under a diagram or charts that leave room ----
  const arrange = () => {
    stage.area.classList.remove('both');
    const view = stage.view();
    const panel = view === 'diagram' ? stage.diagram : view === 'charts' ? stage.charts : undefined;
    if (panel === undefined) return;
    const room = stage.area.clientHeight - panel.offsetHeight;
    // Two runs side by side fill the area; the topology (of A alone) is one key away.
    stage.area.classList.toggle('both', other === undefined && room >= BOTH_ROOM_MIN_PX);
  };
  const relayout = () => {
    stage.fitHeight();
    const width = stage.area.clientWidth;
    if (
      width > 0 &&
      (Math.abs(width - lamportWidth) >= REBUILD_PX ||
        textScale() !== lamportScale ||
        (other !== undefined && Math.abs(compareLanesPx() - lamportLanesPx) >= REBUILD_PX))
    )
      buildDiagram(width);
    arrange();
    story.reveal();
  };
  /** While the stage opens on its first view: not a choice to keep in the URL. */
  let opening = false;
  stage.onShow((view) => {
    if (keepUrl && !opening) replaceQuery((q) => q.set('view', view));
    if (view === 'charts' && stageCharts === undefined) {
      const width = Math.max(400, Math.round((stage.area.clientWidth - 20) / STAGE_CHARTS_SCALE));
      stageCharts = chartsView(width);
      const pos = play.position();
      const seq = seqOf(pos);
      stageCharts.setCursor(timeOf(pos), seq < 0 ? undefined : seq);
      if (other === undefined) stage.charts.append(stageCharts.element);
      else {
        // Both runs' charts, A's above B's, each at the one cursor's tick.
        stageChartsB = chartsView(width, {
          trace: other.trace,
          windows: faultWindows(other.trace),
          index: new CursorIndex(other.trace),
        });
        const [tickB, seqB] = bAt(timeOf(pos));
        stageChartsB.setCursor(tickB, seqB < 0 ? undefined : seqB);
        // Each chart of A with the same chart of B under it, so that the first pair is in view.
        const label = (text: string, which: 'a' | 'b') => {
          const p = el('p', text, `compare-label compare-${which}`);
          p.title = text;
          return p;
        };
        const nodes = (v: ReturnType<typeof chartsView>) => [
          ...(v.element.querySelector('.plots')?.children ?? []),
        ];
        const nodesA = nodes(stageCharts);
        const nodesB = nodes(stageChartsB);
        const plots = el('div', undefined, 'plots');
        const titlesB = stageChartsB.charts;
        stageCharts.charts.forEach((title, i) => {
          const j = titlesB.indexOf(title);
          plots.append(label(other.labels[0], 'a'), nodesA[i] as Element);
          if (j >= 0) plots.append(label(other.labels[1], 'b'), nodesB[j] as Element);
        });
        titlesB.forEach((title, j) => {
          if (!stageCharts?.charts.includes(title))
            plots.append(label(other.labels[1], 'b'), nodesB[j] as Element);
        });
        const both = el('div', undefined, 'view convergence compare-charts');
        both.append(plots);
        stage.charts.append(both);
      }
    }
    arrange();
  });
  let resizeTimer: ReturnType<typeof setTimeout> | undefined;
  const onResize = () => {
    if (resizeTimer !== undefined) clearTimeout(resizeTimer);
    resizeTimer = setTimeout(relayout, 150);
  };
  globalThis.addEventListener('resize', onResize);

  const showPresent = () => {
    stage.presentButton.textContent = presenting() ? 'leave' : 'present';
    stage.presentButton.setAttribute('aria-pressed', String(presenting()));
  };
  const present = (on: boolean) => {
    if (embedded || on === presenting()) return;
    setPresenting(on);
    showPresent();
    if (keepUrl) replaceQuery((q) => (on ? q.set('present', '') : q.delete('present')));
    if (on) globalThis.scrollTo(0, 0);
    relayout();
  };
  showPresent();
  stage.presentButton.addEventListener('click', () => present(!presenting()));

  // ---- the page's keys (the player has its own: space, arrows, Home, End, < and >) ----
  const zoom = (factor: number) => {
    const [d0, d1] = diagram().timeDomain();
    const tick = timeOf(play.position());
    const centre = tick !== null && tick >= d0 && tick <= d1 ? tick : (d0 + d1) / 2;
    const from = centre - (centre - d0) * factor;
    diagram().setTimeDomain([from, from + (d1 - d0) * factor]);
  };
  const pan = (direction: number) => {
    const [d0, d1] = diagram().timeDomain();
    const span = d1 - d0;
    const from = Math.max(0, Math.min(lastTick + 1 - span, d0 + direction * PAN_PART * span));
    const domain: TimeDomain = [from, from + span];
    diagram().setTimeDomain(domain);
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t instanceof Element && t.closest('input, select, textarea') !== null) return;
    let done = true;
    switch (e.key) {
      case 'n': {
        const m = story.next(seqOf(play.position()));
        if (m !== undefined) {
          play.pause();
          play.seek(m.seq);
        }
        break;
      }
      case 'p': {
        const m = story.previous(play.position());
        if (m !== undefined) {
          play.pause();
          play.seek(m.seq);
        }
        break;
      }
      case 'm':
        toNextMoment();
        break;
      case 'd':
        stage.show('diagram');
        break;
      case 't':
        stage.show('topology');
        break;
      case 'c':
        stage.show('charts');
        break;
      case '+':
      case '=':
        zoom(1 / ZOOM_FACTOR);
        break;
      case '-':
      case '_':
        zoom(ZOOM_FACTOR);
        break;
      case '0':
        diagram().setTimeDomain([0, lastTick + 1]);
        break;
      case 'ArrowLeft':
      case 'ArrowRight':
        if (!e.shiftKey) return;
        pan(e.key === 'ArrowLeft' ? -1 : 1);
        break;
      case 'f':
        if (embedded) return;
        present(!presenting());
        break;
      case 'Escape':
        if (!stage.help.hidden) stage.help.hidden = true;
        else if (presenting()) present(false);
        else return;
        break;
      case '?':
        stage.help.hidden = !stage.help.hidden;
        break;
      default:
        done = false;
    }
    if (done) e.preventDefault();
  };
  document.addEventListener('keydown', onKey);

  // ---- following the cursor ----
  const urlAt = keepUrl ? urlKeeper() : () => {};
  const follow = (pos: number) => {
    // Past A's end (a longer second run), A's views show A whole and B follows by tick.
    const seq = seqOf(pos);
    summaryPart.update(seq);
    records.update(seq);
    const tick = timeOf(pos);
    if (pair !== undefined) pair.setCursor(tick);
    else diagram().setCursor(tick);
    topology.setCursor(seq);
    lanes.setCursor(tick);
    convergence.setCursor(tick, seq < 0 ? undefined : seq);
    stageCharts?.setCursor(tick, seq < 0 ? undefined : seq);
    if (stageChartsB !== undefined) {
      const [tickB, seqB] = bAt(tick);
      stageChartsB.setCursor(tickB, seqB < 0 ? undefined : seqB);
    }
    story.setCursor(seq);
    lesson?.setCursor(seq);
    stage.toMoment.disabled = story.next(seq) === undefined;
  };
  play.onChange((seq) => {
    follow(seq);
    if (!play.playing()) urlAt(seq);
  });
  play.onPlaying((on) => {
    if (!on) urlAt(play.position());
  });
  follow(play.position());
  relayout();
  const crowded = diagram().drawing().mode === 'density' && convergence.charts.length > 0;
  const firstView = options.view ?? (crowded ? 'charts' : 'diagram');
  if (firstView !== 'diagram') {
    opening = true;
    stage.show(firstView);
    opening = false;
  }

  const page: RunPage = {
    ...(other === undefined || difference === undefined
      ? {}
      : { compare: { pair: () => pair as ComparePair, difference, b: other.trace } }),
    player: play,
    stage,
    moments,
    lamport: diagram,
    relayout,
    present,
    dispose() {
      play.dispose();
      document.removeEventListener('keydown', onKey);
      globalThis.removeEventListener('resize', onResize);
      if (resizeTimer !== undefined) clearTimeout(resizeTimer);
    },
  };
  activeRun = page;
  return page;
}

/** Options of the whole page. */
export interface PageOptions {
  /** Whether the URL keeps the cursor and presenter mode; default true (tests pass false). */
  readonly keepUrl?: boolean;
}

/** A scenario file of the user's, the page's scenario; `code` is its URL form, undefined when too big. */
interface HeldFile {
  readonly name: string;
  readonly text: string;
  readonly code: string | undefined;
}

/** The user's file last shown, kept for a file too big for the URL while the page stays open. */
let heldFile: HeldFile | undefined;
/** What the page shown installed outside its root (drop zone, workshop keys), removed before the next. */
let pageCleanup: (() => void)[] = [];

/** The query as the page's URL writes it (`present` a bare flag). */
function queryText(q: URLSearchParams): string {
  return q.toString().replace(/(^|&)present=(?=&|$)/, '$1present');
}

/** Shows the page for `q` in place of the one in `page` (a new history entry when the URL is kept). */
function navigate(
  page: HTMLElement,
  q: URLSearchParams,
  options: PageOptions,
): Promise<RunPage | undefined> {
  if (presenting()) q.set('present', '');
  if (options.keepUrl !== false) {
    const search = queryText(q);
    history.pushState(null, '', `${location.pathname}${search === '' ? '' : `?${search}`}`);
  }
  return showPage(page, q, options);
}

/** The run a workshop step shows, as the page's query would name it. */
function stepQuery(workshop: Workshop, step: number, params: URLSearchParams): URLSearchParams {
  const s = workshop.steps[step - 1];
  if (s === undefined) throw new Error(`no step ${step}`);
  const q = new URLSearchParams({ scenario: s.scenario });
  if (s.seed !== undefined) q.set('seed', String(s.seed));
  if (s.variant !== undefined) q.set('variant', s.variant);
  for (const o of s.set ?? []) q.append('set', o);
  if (s.compare !== undefined) q.set('compare', compareText(s.compare));
  const at = params.get('at');
  q.set('at', at !== null && at !== '' ? at : s.at === undefined ? 'first-moment' : String(s.at));
  const view = params.get('view');
  if (view !== null) q.set('view', view);
  return q;
}

/** The bar above the stage while a workshop is walked: its title, the step, what it shows, what to say. */
function workshopBar(
  workshop: Workshop,
  step: number,
  what: string,
  go: (step: number) => void,
): HTMLElement {
  const bar = el('section', undefined, 'workshop-bar');
  bar.setAttribute('aria-label', 'workshop');
  const head = el('div', undefined, 'workshop-head');
  const prev = el('button', '◀ previous', 'workshop-prev');
  prev.type = 'button';
  prev.title = 'the previous step (PageUp or [)';
  prev.disabled = step <= 1;
  const next = el('button', 'next ▶', 'workshop-next');
  next.type = 'button';
  next.title = 'the next step (PageDown or ])';
  next.disabled = step >= workshop.steps.length;
  for (const b of [prev, next]) b.addEventListener('mousedown', (e) => e.preventDefault());
  prev.addEventListener('click', () => go(step - 1));
  next.addEventListener('click', () => go(step + 1));
  const title = el('span', workshop.title, 'workshop-title');
  title.title = workshop.description ?? workshop.title;
  head.append(
    prev,
    el('span', `step ${step} of ${workshop.steps.length}`, 'workshop-step'),
    next,
    el('span', what, 'workshop-what'),
    title,
  );
  const say = el('p', workshop.steps[step - 1]?.say ?? '', 'workshop-say');
  bar.append(head, say);
  return bar;
}

/** Whether a run request could not be run; its message shown in `content`. */
function failed(content: HTMLElement, reply: Awaited<ReturnType<typeof runInWorker>>): boolean {
  if (reply.ok) return false;
  content.append(
    reply.load
      ? el('pre', reply.error, 'error')
      : el('p', `parley could not run this scenario: ${reply.error}`, 'error'),
  );
  return true;
}

/**
 * The page in `page`, for the run the URL's query `params` names
 * (scenario, variant, set, seed, at, present; compare for a second run
 * beside it; workshop and step for a workshop's step; file and name for a
 * scenario file of the user's). Resolves with the run shown, or undefined
 * when it could not run.
 */
export async function showPage(
  page: HTMLElement,
  params: URLSearchParams,
  options: PageOptions = {},
): Promise<RunPage | undefined> {
  for (const f of pageCleanup) f();
  pageCleanup = [];
  activeRun?.dispose();
  activeRun = undefined;
  page.replaceChildren();
  setPresenting(params.has('present'));
  page.classList.add('page');

  // ---- a workshop's step: the run it names, and the bar above the stage ----
  let walk: { workshop: Workshop; step: number } | undefined;
  let query = params;
  const workshopName = params.get('workshop');
  if (workshopName !== null) {
    try {
      const workshop = loadPageWorkshop(workshopName);
      const asked = Number(params.get('step') ?? '1');
      const step = Math.max(
        1,
        Math.min(workshop.steps.length, Number.isInteger(asked) ? asked : 1),
      );
      walk = { workshop, step };
      query = stepQuery(workshop, step, params);
    } catch (e) {
      page.append(el('pre', e instanceof Error ? e.message : String(e), 'error'));
      return undefined;
    }
  }

  // ---- a scenario file of the user's: carried in the URL, or held while the page is open ----
  let file: HeldFile | undefined;
  const code = query.get('file');
  const fileName = query.get('name');
  const fileProblem: string[] = [];
  if (code !== null) {
    try {
      file = { name: fileName ?? 'scenario.yaml', text: await decodeFile(code), code };
      heldFile = file;
    } catch (e) {
      fileProblem.push(e instanceof Error ? e.message : String(e));
    }
  } else if (fileName !== null && !query.has('scenario')) {
    if (heldFile?.name === fileName) file = heldFile;
    else
      fileProblem.push(
        `${fileName} was too big to carry in the page's link, and this page no longer holds it: drop the file on the page again.`,
      );
  }

  const name = file === undefined ? (query.get('scenario') ?? DEFAULT_SCENARIO) : file.name;
  const variant = query.get('variant') ?? undefined;
  const overrides = query.getAll('set');
  const seedParam = query.get('seed');
  const seedAsked = seedParam === null || seedParam === '' ? undefined : Number(seedParam);
  const atParam = query.get('at');
  const at =
    atParam === 'end' || atParam === 'first-moment'
      ? atParam
      : atParam === null || atParam === ''
        ? undefined
        : Number(atParam);
  const viewParam = query.get('view');
  const view = MAIN_VIEWS.find((v) => v === viewParam);
  const compareParam = query.get('compare');
  const compare =
    compareParam === null || compareParam === '' ? undefined : parseCompare(compareParam);
  const schedule = scheduleOfQuery(query);
  if (typeof schedule === 'string') fileProblem.push(schedule);

  const onFile = (q: URLSearchParams) => void navigate(page, q, options);
  const topbar = el('header', undefined, 'topbar');
  const brand = el('h1', 'parley', 'brand');
  brand.title = 'a deterministic multi-agent coordination simulator';
  const pick = picker(name, seedAsked, variant, overrides, {
    file: file === undefined ? undefined : { name: file.name, code: file.code },
    compare: compareParam ?? undefined,
    onFile,
  });
  topbar.append(brand, pick.form);
  page.append(topbar);
  // Files dropped anywhere on the page (or picked): a trace is shown as it is,
  // a scenario file becomes the page's scenario, a sweep file is shown as a heatmap.
  const content = el('div', undefined, 'content');
  const onScenario = async (f: ScenarioFile) => {
    const encoded = await encodeFile(f.text);
    heldFile = {
      name: f.file,
      text: f.text,
      code: encoded.length <= URL_FILE_CHARS_MAX ? encoded : undefined,
    };
    const q = new URLSearchParams();
    if (heldFile.code !== undefined) q.set('file', heldFile.code);
    q.set('name', f.file);
    await navigate(page, q, options);
  };
  const drop: DropZone = installDropZone(
    document.body,
    fileRouter(content, (f) => void onScenario(f)),
    (e) => {
      content.replaceChildren(el('pre', e.message, 'error'));
    },
  );
  pageCleanup.push(() => drop.dispose());
  drop.picker.title = 'open a trace, scenario or sweep file (or drop one on the page)';
  pick.form.append(drop.picker);

  if (walk !== undefined) {
    const { workshop, step } = walk;
    const s = workshop.steps[step - 1];
    const what = [
      `${s?.scenario}${s?.variant === undefined ? '' : ` (${s.variant})`}`,
      `seed ${s?.seed ?? 'as in the file'}`,
      ...(s?.compare === undefined ? [] : [`beside ${compareText(s.compare)}`]),
    ].join(' · ');
    const go = (k: number) => {
      if (k < 1 || k > workshop.steps.length || k === step) return;
      const q = new URLSearchParams({ workshop: workshop.name, step: String(k) });
      void navigate(page, q, options);
    };
    page.append(workshopBar(workshop, step, what, go));
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target;
      if (t instanceof Element && t.closest('input, select, textarea') !== null) return;
      if (e.key === 'PageDown' || e.key === ']') go(step + 1);
      else if (e.key === 'PageUp' || e.key === '[') go(step - 1);
      else return;
      e.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    pageCleanup.push(() => document.removeEventListener('keydown', onKey));
  }
  page.append(content);
  for (const problem of fileProblem) content.append(el('p', problem, 'error'));
  if (file !== undefined && file.code === undefined)
    content.append(
      el(
        'p',
        `${file.name} is too big to carry in the page's link (${(new TextEncoder().encode(file.text).length / 1024).toFixed(1)} kB; the link carries files up to about ${((URL_FILE_CHARS_MAX * 3) / 4 / 1024).toFixed(1)} kB compressed): the link names it only, and a reload will not bring it back. Drop the file again after a reload.`,
        'note file-too-big',
      ),
    );
  if (typeof compare === 'string') content.append(el('p', compare, 'error'));
  if (fileProblem.length > 0 && file === undefined) return undefined;
  const status = el('p', `running ${name} …`, 'note running');
  content.append(status);

  const base = {
    overrides,
    ...(file === undefined ? { scenarioName: name } : { scenarioText: file.text, file: file.name }),
    ...(seedAsked === undefined ? {} : { seed: seedAsked }),
    ...(schedule === undefined || typeof schedule === 'string' ? {} : { schedule }),
  };
  const requestA = { ...base, ...(variant === undefined ? {} : { variant }) };
  const against = typeof compare === 'object' ? compare : undefined;
  const [reply, replyB] = await Promise.all([
    runInWorker(requestA),
    against === undefined
      ? Promise.resolve(undefined)
      : runInWorker(
          against.kind === 'variant'
            ? { ...base, variant: against.variant }
            : against.kind === 'seed'
              ? { ...requestA, seed: against.seed }
              : { ...requestA, overrides: [...overrides, ...against.overrides] },
        ),
  ]);
  status.remove();
  if (failed(content, reply) || !reply.ok) return undefined;
  const { summary } = reply;
  pick.setVariants(summary.variants);
  pick.setSeed(summary.seed);
  const trace = traceFromJsonl(reply.jsonl, `${name}.jsonl`);
  let compareRun: CompareRun | undefined;
  if (against !== undefined && replyB !== undefined) {
    if (replyB.ok) {
      const bVariant = against.kind === 'variant' ? against.variant : variant;
      const label = (which: string, v: string | undefined, seed: number, extra: string) =>
        `${which} · ${summary.scenario}${v === undefined ? '' : ` (${v})`} · seed ${seed}${extra}`;
      compareRun = {
        trace: traceFromJsonl(replyB.jsonl, `${name}-b.jsonl`),
        summary: replyB.summary,
        compare: against,
        labels: [
          label('A', variant, summary.seed, ''),
          label(
            'B',
            bVariant,
            replyB.summary.seed,
            against.kind === 'set' ? ` · ${against.overrides.join(', ')}` : '',
          ),
        ],
      };
    } else {
      content.append(el('p', `The second run (compare ${compareParam}) could not run:`, 'error'));
      failed(content, replyB);
    }
  }
  const lesson = file === undefined ? LESSONS.get(name) : undefined;
  const run = showRun(content, trace, reply.jsonl, summary, {
    variant,
    at,
    keepUrl: options.keepUrl !== false,
    lesson: lesson === undefined ? undefined : { name, text: lesson },
    description: summary.description,
    knobs: file === undefined ? knobsView(name, variant, overrides) : null,
    view,
    compare: compareRun,
  });
  if (walk !== undefined) {
    const { workshop, step } = walk;
    // The workshop's keys in the help.
    const help = run.stage.help.querySelector('table');
    for (const [keys, what] of [
      ['PageDown ]', "the workshop's next step"],
      ['PageUp [', "the workshop's previous step"],
    ] as const) {
      const tr = el('tr');
      tr.append(el('th', keys), el('td', what));
      help?.append(tr);
    }
    run.workshop = {
      workshop,
      step,
      go: (k) =>
        navigate(page, new URLSearchParams({ workshop: workshop.name, step: String(k) }), options),
    };
  }
  run.query = queryText(walk === undefined ? query : params);
  return run;
}

const app = document.getElementById('app');
if (app !== null) {
  const show = () =>
    showPage(app, new URLSearchParams(location.search)).catch((err: unknown) => {
      app.append(
        el(
          'p',
          `parley could not show this run: ${err instanceof Error ? err.message : String(err)}`,
          'error',
        ),
      );
    });
  void show();
  // A workshop's steps and a user's file are shown in place: back and forward show them again.
  globalThis.addEventListener('popstate', () => void show());
}
