/**
 * The visualizer's page: runs a catalogue scenario in a web worker with the
 * same loader and engine as the command line, rebuilds the trace from the
 * JSONL text it sends back, and shows its verdicts and what happened: a
 * space-time diagram, the agents' states and values, convergence charts
 * beside the verdicts (click one to see its records in the diagram), and the
 * records one by one. A playback toolbar moves a cursor through the records;
 * the diagram, the records and the summary follow it. The scenario, variant,
 * overrides, seed and cursor come from the URL
 * (`?scenario=two-generals&seed=2&at=40`), so a link reproduces a run at an event.
 * Text from scenarios and traces is only ever set as textContent.
 */
import { judge, type Trace, type TraceRecord } from '../sim/index.ts';
import { traceFromJsonl } from '../sim/trace-read.ts';
import { CATALOG, LESSONS, loadCatalog } from './catalog.ts';
import { type AgentAt, CursorIndex } from './cursor.ts';
import { exportsBar } from './exports.ts';
import { installDropZone, type LoadedFile } from './files.ts';
import { player } from './player.ts';
import { type RunSummary, runInWorker } from './run-client.ts';
import type { ScenarioFile } from './sweep-cell.ts';
import { type SweepPanel, sweepPanel } from './sweep-panel.ts';
import { el, jsonText, short } from './views/common.ts';
import { convergenceView } from './views/convergence.ts';
import { lamportView } from './views/lamport.ts';
import { lanesView } from './views/lanes.ts';
import { topologyView } from './views/topology.ts';
import { faultWindows } from './windows.ts';

/** The scenario shown when the URL names none. */
export const DEFAULT_SCENARIO = 'two-generals';

/** Rows of the records table at a time: a window around the cursor. */
const RECORDS_WINDOW = 400;
/** Agents listed in the summary at the cursor. */
const AGENTS_SHOWN_MAX = 40;
/** Decisions listed in the summary's decisions row. */
const DECISIONS_SHOWN_MAX = 30;

interface Picker {
  readonly form: HTMLFormElement;
  setVariants(variants: readonly string[]): void;
  setSeed(seed: number): void;
}

function picker(
  current: string,
  seed: number | undefined,
  variant: string | undefined,
  overrides: readonly string[],
): Picker {
  const form = el('form', undefined, 'picker');
  const select = el('select');
  select.name = 'scenario';
  for (const name of CATALOG.keys()) {
    const option = el('option', name);
    option.value = name;
    option.selected = name === current;
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
  form.append(
    el('label', 'scenario '),
    select,
    el('label', ' variant '),
    variantSelect,
    el('label', ' seed '),
    seedInput,
    el('label', ' set '),
    sets,
    go,
  );
  // Empty fields stay out of the URL, and overrides become one `set` each, as on the command line.
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams({ scenario: select.value });
    if (seedInput.value !== '') q.set('seed', seedInput.value);
    if (variantSelect.value !== '') q.set('variant', variantSelect.value);
    for (const o of sets.value
      .split(';')
      .map((x) => x.trim())
      .filter((x) => x !== ''))
      q.append('set', o);
    location.search = q.toString();
  });
  return {
    form,
    setVariants,
    setSeed(s) {
      seedInput.value = String(s);
    },
  };
}

/** The summary: the run's outcome, and the cursor's position with every agent's state there. */
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
  // Decisions made by the cursor, not at the end: the row changes as the cursor passes each.
  const decisionsRow = row('decisions', '');
  const decides: number[] = [];
  for (let i = 0; i < trace.length; i++) if (trace.kindAt(i) === 9) decides.push(i); // decide
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
    const listed = decides.slice(0, Math.min(k, DECISIONS_SHOWN_MAX)).map((s) => {
      const r = trace.record(s);
      return `${r.agent ?? '?'} → ${jsonText(r.data ?? null)} @${r.tick}`;
    });
    const more = k > listed.length ? `, and ${k - listed.length} more` : '';
    const total = decides.length;
    decisionsRow.textContent =
      k === 0
        ? `none by the cursor (${total} by the end)`
        : `${k} of ${total} by the cursor: ${listed.join(', ')}${more}`;
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
  element.append(table);
  if (shown < trace.agentIds.length)
    element.append(
      el('p', `The first ${shown} of ${trace.agentIds.length} agents are listed.`, 'note'),
    );

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
    const agents: AgentAt[] = index.at(seq);
    cells.forEach((c, i) => {
      const a = agents[i] as AgentAt;
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

/** Keeps `at=SEQ` in the URL (shortly after the cursor rests, so history is not flooded). */
function urlKeeper(): (seq: number) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (seq) => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      const q = new URLSearchParams(location.search);
      q.set('at', String(seq));
      history.replaceState(null, '', `${location.pathname}?${q.toString()}${location.hash}`);
    }, 200);
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
    showRun(content, trace, undefined, summary, undefined, undefined);
    return;
  }
  const reply = await runInWorker({ scenarioText: f.text, file: f.file, overrides: [] });
  if (!reply.ok) {
    content.append(el('pre', reply.error, 'error'));
    return;
  }
  showRun(
    content,
    traceFromJsonl(reply.jsonl, f.file),
    reply.jsonl,
    reply.summary,
    undefined,
    undefined,
  );
}

/**
 * Routes dropped files: a sweep's rows and manifest go to one sweep panel
 * (made on the first of them), whose cells run the sweep's own scenario; a
 * scenario file the panel waits for goes to it; anything else replaces the
 * content as before.
 */
function fileRouter(content: HTMLElement): (f: LoadedFile) => void {
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
              plan.variant,
              undefined,
              false,
            ),
        });
        content.replaceChildren(panel.element);
      }
      panel.add(f);
      return;
    }
    if (f.kind === 'scenario') {
      scenarioFiles.push({ file: f.file, text: f.text });
      if (shown && panel?.offerScenario({ file: f.file, text: f.text })) return;
    }
    void showFile(content, f);
  };
}

async function render(page: HTMLElement): Promise<void> {
  let root = page;
  const url = new URLSearchParams(location.search);
  const name = url.get('scenario') ?? DEFAULT_SCENARIO;
  const variant = url.get('variant') ?? undefined;
  const overrides = url.getAll('set');
  const seedParam = url.get('seed');
  const seedAsked = seedParam === null || seedParam === '' ? undefined : Number(seedParam);
  const atParam = url.get('at');
  const at = atParam === null || atParam === '' ? undefined : Number(atParam);
  const pick = picker(name, seedAsked, variant, overrides);
  root.append(pick.form);
  // Files dropped anywhere on the page (or picked): a trace is shown as it is,
  // a scenario file is run, a sweep file is shown as a heatmap.
  const content = el('div', undefined, 'content');
  const drop = installDropZone(document.body, fileRouter(content), (e) => {
    content.replaceChildren(el('pre', e.message, 'error'));
  });
  pick.form.append(drop.picker);
  root.append(content);
  root = content;
  const status = el('p', `running ${name} …`, 'note running');
  root.append(status);

  const reply = await runInWorker({
    scenarioName: name,
    overrides,
    ...(variant === undefined ? {} : { variant }),
    ...(seedAsked === undefined ? {} : { seed: seedAsked }),
  });
  status.remove();
  if (!reply.ok) {
    root.append(
      reply.load
        ? el('pre', reply.error, 'error')
        : el('p', `parley could not run this scenario: ${reply.error}`, 'error'),
    );
    return;
  }
  const { summary } = reply;
  pick.setVariants(summary.variants);
  pick.setSeed(summary.seed);
  if (summary.description !== undefined) root.append(el('p', summary.description, 'description'));
  const knobs = knobsView(name, variant, overrides);
  if (knobs !== null) root.append(knobs);
  const trace = traceFromJsonl(reply.jsonl, `${name}.jsonl`);

  showRun(root, trace, reply.jsonl, summary, variant, at);
  const lesson = LESSONS.get(name);
  if (lesson !== undefined) {
    const details = el('details', undefined, 'lesson');
    details.append(el('summary', `the lesson: ${name}`), el('pre', lesson, 'lesson-text'));
    root.insertBefore(details, root.firstChild);
  }
}

/** The views of one run: summary, playback and exports, diagram, topology, lanes, charts, records. */
function showRun(
  root: HTMLElement,
  trace: Trace,
  jsonl: string | undefined,
  summary: RunSummary,
  variant: string | undefined,
  at: number | undefined,
  /** Whether the cursor is kept in the URL (not for a run the URL does not describe). */
  keepUrl = true,
): void {
  const summaryPart = summaryView(trace, summary, variant);
  root.append(summaryPart.element);

  // The views, below the playback toolbar: the diagram, the agents' lanes in step with its time, the charts and verdicts.
  const width = Math.max(640, Math.min(1400, root.clientWidth || 1000));
  const lamport = lamportView(trace, { width });
  const windows = faultWindows(trace);
  const lanes = lanesView(trace, { width, windows });
  lanes.setTimeDomain(lamport.timeDomain());
  lamport.onTimeChange((domain) => lanes.setTimeDomain(domain));
  const verdicts = judge(trace).verdicts;
  const convergence = convergenceView(trace, {
    width,
    verdicts,
    windows,
    index: summaryPart.index,
    // Highlight the records that prove the verdict, and move the cursor to the first of them.
    onVerdict: (v) => {
      lamport.highlight(v.records);
      const first = v.records[0];
      if (first !== undefined) play.seek(first);
    },
  });

  const play = player(trace, at === undefined || !Number.isFinite(at) ? {} : { start: at });
  const bar = el('div', undefined, 'toolbar');
  bar.append(
    play.element,
    exportsBar(trace, {
      ...(jsonl === undefined ? {} : { jsonl }),
      canvas: lamport.canvas,
      ...(variant === undefined ? {} : { variant }),
    }),
  );
  const records = recordsView(trace, (seq) => play.seek(seq));
  const topology = topologyView(trace, {
    width,
    windows,
    index: summaryPart.index,
    valueColour: (key) => lanes.colourOf(key),
  });
  root.append(
    bar,
    el('h2', 'space-time diagram'),
    lamport.element,
    el('h2', 'topology and trust zones'),
    topology.element,
    el('h2', 'agent states and values'),
    lanes.element,
    el('h2', 'charts and verdicts'),
    convergence.element,
    el('h2', 'records'),
    records.element,
  );

  const urlAt = keepUrl ? urlKeeper() : () => {};
  const follow = (seq: number) => {
    summaryPart.update(seq);
    records.update(seq);
    const tick = seq < 0 ? null : trace.record(seq).tick;
    lamport.setCursor(tick);
    topology.setCursor(seq);
    lanes.setCursor(tick);
    convergence.setCursor(tick, seq < 0 ? undefined : seq);
  };
  play.onChange((seq) => {
    follow(seq);
    if (!play.playing()) urlAt(seq);
  });
  play.onPlaying((on) => {
    if (!on) urlAt(play.position());
  });
  follow(play.position());
}

const root = document.getElementById('app') as HTMLElement;
render(root).catch((err: unknown) => {
  root.append(
    el(
      'p',
      `parley could not show this run: ${err instanceof Error ? err.message : String(err)}`,
      'error',
    ),
  );
});
