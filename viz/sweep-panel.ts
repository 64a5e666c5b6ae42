/**
 * A dropped sweep on the page: its rows as a heatmap (views/sweep.ts), its
 * manifest (dropped with it, or after), and the run of a clicked cell. A
 * cell runs the sweep's own scenario, variant and overrides with the cell's
 * values and first seed (sweep-cell.ts), never the scenario open on the
 * page; the panel says which it ran, the command that runs the same, and
 * whether the run ended as the sweep's row says. What is missing to run a
 * cell (the manifest, the user's scenario file) is said plainly, and a
 * scenario file with the manifest's hash dropped later runs the waiting
 * cell. Text is only ever set as textContent.
 */
import type { Json } from '../sim/index.ts';
import type { Cell } from '../sim/sweep/index.ts';
import type { LoadedFile, SweepManifest } from './files.ts';
import { type RunReply, type RunRequest, runInWorker } from './run-client.ts';
import { type CellPlan, planCell, type ScenarioFile, textHasHash } from './sweep-cell.ts';
import { el } from './views/common.ts';
import { type SweepPick, sweepView } from './views/sweep.ts';

type SweepFile = Extract<LoadedFile, { kind: 'sweep' }>;
type ManifestFile = Extract<LoadedFile, { kind: 'sweep-manifest' }>;
export type RunPlan = Extract<CellPlan, { kind: 'run' }>;
export type RunOk = Extract<RunReply, { ok: true }>;

export interface SweepPanelOptions {
  /** Catalogue scenario texts by name. */
  readonly catalog: ReadonlyMap<string, string>;
  /** The scenario files the user gave the page before this sweep (default none). */
  readonly scenarioFiles?: () => readonly ScenarioFile[];
  /** Shows a cell's finished run in `container` (the page's views of a run). */
  readonly showRun: (container: HTMLElement, reply: RunOk, plan: RunPlan) => void;
  /** Runs a request; default a fresh web worker (run-client.ts). */
  readonly run?: (request: RunRequest) => Promise<RunReply>;
  readonly width?: number;
}

export interface SweepPanel {
  readonly element: HTMLElement;
  /** Adds a sweep's rows (replacing the rows shown) or a manifest. */
  add(file: SweepFile | ManifestFile): void;
  /**
   * Offers a scenario file dropped while the panel is shown: taken (true)
   * when the sweep waits for its scenario file, whether or not it is the
   * one; false when the panel has no use for it.
   */
  offerScenario(file: ScenarioFile): boolean;
  /** Settles when the last cell run asked for is shown. */
  idle(): Promise<void>;
}

/** Whether `sub` appears in `all` in order (a JSONL sweep leaves out the columns no row has a value in). */
function inOrder(sub: readonly string[], all: readonly string[]): boolean {
  let i = 0;
  for (const c of all) if (c === sub[i]) i++;
  return i === sub.length;
}

/** How the manifest says the sweep ran: `gossip-loss, variant mitigated, with params.roundsMax=5`. */
function ranText(m: SweepManifest): string {
  return `${m.scenario}${m.variant === null ? '' : `, variant ${m.variant}`}${m.overrides.length > 0 ? `, with ${m.overrides.join('; ')}` : ''}`;
}

export function sweepPanel(options: SweepPanelOptions): SweepPanel {
  const run = options.run ?? runInWorker;
  const element = el('div', undefined, 'sweep-panel');
  const facts = el('dl', undefined, 'summary loaded-file');
  const status = el('p', '', 'note sweep-status');
  const heatmap = el('div', undefined, 'sweep-heatmap');
  const cellRun = el('div', undefined, 'cell-run');
  element.append(el('h2', 'sweep results'), facts, status, heatmap, cellRun);

  let sweep: SweepFile | undefined;
  const manifests: ManifestFile[] = [];
  /** A manifest dropped for another sweep, named in the status until it pairs. */
  let unpaired: ManifestFile | undefined;
  /** The cell clicked while the sweep waited for its scenario file. */
  let waiting: SweepPick | undefined;
  /** The last scenario file offered that is not the sweep's. */
  let wrongFile: ScenarioFile | undefined;
  /** Scenario files offered to this panel with the manifest's hash. */
  const files: ScenarioFile[] = [];
  let ticket = 0;
  let last: Promise<void> = Promise.resolve();

  const manifestOf = (): ManifestFile | undefined => {
    if (sweep === undefined) return manifests.at(-1);
    const s = sweep;
    return (
      manifests.find((m) => m.file === `${s.file}.manifest.json`) ??
      manifests.filter((m) => inOrder(s.columns, m.manifest.columns)).at(-1)
    );
  };
  const planOf = (values: Readonly<Record<string, Json>>, seed: number) =>
    planCell(manifestOf()?.manifest, values, seed, options.catalog, [
      ...files,
      ...(options.scenarioFiles?.() ?? []),
    ]);

  const renderFacts = () => {
    facts.replaceChildren();
    const row = (label: string, value: string) => facts.append(el('dt', label), el('dd', value));
    const m = manifestOf();
    if (sweep !== undefined) {
      const seed = sweep.columns.indexOf('seed');
      const stop = sweep.columns.indexOf('stop');
      row('file', `${sweep.file} (${sweep.format}, ${sweep.rows.length} rows)`);
      row('varied', sweep.columns.slice(seed + 1, stop).join(', ') || 'nothing');
    }
    row('manifest', m === undefined ? 'none yet' : m.file);
    if (m !== undefined) row('the sweep ran', ranText(m.manifest));
  };

  const renderStatus = () => {
    const m = manifestOf();
    const say = (text: string, warn = false) => {
      status.textContent = text;
      status.className = warn ? 'note warn sweep-status' : 'note sweep-status';
    };
    if (sweep === undefined) {
      if (m !== undefined)
        say(
          `${m.file} is the manifest of a sweep of ${ranText(m.manifest)}; drop its rows file (${m.file.replace(/\.manifest\.json$/, '')}) to see the heatmap.`,
        );
      return;
    }
    if (m === undefined) {
      say(
        unpaired !== undefined
          ? `${unpaired.file} is not the manifest of ${sweep.file}: its columns differ. To run a cell, drop ${sweep.file}.manifest.json, written beside it by npx parley sweep.`
          : `To run a cell, drop this sweep's manifest too (${sweep.file}.manifest.json, written beside it by npx parley sweep): it names the scenario, variant and overrides the sweep ran.`,
        true,
      );
      return;
    }
    const plan = planOf({}, 1);
    if (plan.kind === 'run') {
      say(
        `A click runs the cell's first seed of ${plan.scenario} (${plan.source.kind === 'catalog' ? "the page's catalogue" : plan.source.file}${plan.variant === undefined ? '' : `, variant ${plan.variant}`}) with ${m.manifest.overrides.length > 0 ? `${m.manifest.overrides.join('; ')} and ` : ''}the cell's values, as the sweep ran it.`,
      );
    } else if (plan.kind === 'protocol-files') {
      say(
        `This sweep's scenario runs protocol files (${plan.files.join(', ')}), which the page cannot run; click a cell for the command that runs it from the scenario's folder (npx parley run ${m.manifest.scenario}.yaml --seed N --set …).`,
        true,
      );
    } else if (plan.kind === 'need-file') {
      say(
        `${wrongFile === undefined ? '' : `${wrongFile.file} is not the scenario this sweep ran (its text's SHA-256 differs). `}This sweep ran ${plan.scenario} from a scenario file the page does not have (SHA-256 ${plan.hash.slice(0, 12)}…)${plan.catalogDiffers ? `; the catalogue's ${plan.scenario} is another text` : ''}. Drop or open that scenario file here to run its cells.`,
        true,
      );
    }
  };

  /** Runs (or explains) the plan of a clicked cell below the heatmap. */
  const runPick = async (pick: SweepPick) => {
    const mine = ++ticket;
    const plan = planOf(pick.values, pick.seed);
    const m = manifestOf();
    cellRun.replaceChildren(el('h2', 'cell run'));
    if (plan.kind !== 'run') {
      waiting = plan.kind === 'need-file' ? pick : undefined;
      const line = el(
        'p',
        plan.kind === 'no-manifest'
          ? `The page cannot tell which scenario this sweep ran: drop its manifest (${sweep?.file ?? 'FILE'}.manifest.json) to run the cell.`
          : plan.kind === 'protocol-files'
            ? `This sweep's scenario runs protocol files (${plan.files.join(', ')}), which the page cannot run; run the cell from the scenario's folder with: `
            : `This cell needs the scenario file the sweep ran (${plan.scenario}, SHA-256 ${plan.hash.slice(0, 12)}…): drop or open it here and the cell runs; or run it with: `,
        'note warn cell-blocked',
      );
      if (plan.kind !== 'no-manifest') line.append(el('code', plan.command));
      cellRun.append(line);
      cellRun.scrollIntoView?.({ block: 'nearest' });
      return;
    }
    waiting = undefined;
    const ran = el(
      'p',
      `Ran ${plan.scenario} (${plan.source.kind === 'catalog' ? "the page's catalogue" : `from ${plan.source.file}`})${plan.variant === undefined ? ', default variant' : `, variant ${plan.variant}`}, seed ${plan.seed}, with ${plan.overrides.join('; ') || 'no overrides'}: the sweep's scenario, variant and overrides${m === undefined ? '' : ` (from ${m.file})`} and the cell's values.`,
      'cell-ran',
    );
    const command = el('p', 'on the command line: ', 'note');
    command.append(el('code', plan.command));
    cellRun.append(ran, command);
    if (plan.query !== undefined) {
      const link = el('a', 'open this run as its own page');
      link.href = plan.query;
      const p = el('p', undefined, 'note');
      p.append(link);
      cellRun.append(p);
    }
    const running = el('p', `running ${plan.scenario} at seed ${plan.seed} …`, 'note running');
    cellRun.append(running);
    cellRun.scrollIntoView?.({ block: 'start' });
    const reply = await run(plan.request);
    if (mine !== ticket) return;
    running.remove();
    if (!reply.ok) {
      cellRun.append(el('pre', reply.error, 'error'));
      return;
    }
    cellRun.append(rowCheck(pick, reply));
    options.showRun(cellRun, reply, plan);
  };

  /** Whether the run stopped where the sweep's row of the same run says. */
  const rowCheck = (pick: SweepPick, reply: RunOk): HTMLElement => {
    const s = sweep as SweepFile;
    const at = (c: string) => s.columns.indexOf(c);
    const row = s.rows.find((r) => r[0] === pick.run);
    const want = (c: string): Cell => (row === undefined || at(c) < 0 ? undefined : row[at(c)]);
    const got = {
      stop: reply.summary.stop.reason,
      tick: reply.summary.stop.tick,
      events: reply.summary.events,
    };
    const same =
      want('stop') === got.stop && want('tick') === got.tick && want('events') === got.events;
    const ranHere = `${got.stop} at tick ${got.tick} after ${got.events} events`;
    if (same)
      return el('p', `As in the sweep's row of run ${pick.run}: ${ranHere}.`, 'note row-check');
    return el(
      'p',
      `Not as in the sweep's row of run ${pick.run} (${String(want('stop'))} at tick ${String(want('tick'))} after ${String(want('events'))} events); here ${ranHere}: the scenario or parley changed since the sweep${manifestOf() === undefined ? '' : ` (it ran parley ${manifestOf()?.manifest.parley})`}.`,
      'note warn row-check',
    );
  };

  const onPick = (pick: SweepPick) => {
    last = runPick(pick);
  };

  const render = () => {
    renderFacts();
    renderStatus();
    if (sweep === undefined) return;
    heatmap.replaceChildren(
      sweepView(sweep.columns, sweep.rows, {
        onPick,
        ...(options.width === undefined ? {} : { width: options.width }),
      }).element,
    );
  };

  return {
    element,
    add(file) {
      if (file.kind === 'sweep') {
        sweep = file;
        waiting = undefined;
        wrongFile = undefined;
        cellRun.replaceChildren();
        render();
        return;
      }
      manifests.push(file);
      const fits = sweep === undefined || manifestOf() === file;
      unpaired = fits ? undefined : file;
      renderFacts();
      renderStatus();
    },
    offerScenario(file) {
      const m = manifestOf();
      if (sweep === undefined || m === undefined || planOf({}, 1).kind !== 'need-file')
        return false;
      if (!textHasHash(file.text, m.manifest.scenarioHash)) {
        wrongFile = file;
        renderStatus();
        return true;
      }
      wrongFile = undefined;
      files.push(file);
      renderStatus();
      if (waiting !== undefined) onPick(waiting);
      return true;
    },
    idle: () => last,
  };
}
