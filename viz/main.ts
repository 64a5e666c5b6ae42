/**
 * The visualizer's first page: runs the default scenario in the browser with
 * the same engine as the command line and shows what happened, record by
 * record. The seed comes from the URL (`?seed=7`), so a link reproduces a run.
 * Text from scenarios and traces is only ever set as textContent.
 */
import { lossyAck } from '../scenarios/demo.ts';
import { runScenario, type TraceRecord } from '../sim/index.ts';

const RECORDS_SHOWN_MAX = 2000;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string,
  className?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className !== undefined) node.className = className;
  return node;
}

function render(root: HTMLElement): void {
  const param = new URLSearchParams(location.search).get('seed');
  const seed = param === null ? 1 : Number(param);
  const result = runScenario(lossyAck, { seed });
  const { trace } = result;

  const summary = el('dl', undefined, 'summary');
  const row = (label: string, value: string) => {
    summary.append(el('dt', label), el('dd', value));
  };
  row('scenario', lossyAck.name);
  row('seed', String(seed));
  row('stopped', `${result.stop.reason} at tick ${result.stop.tick}`);
  row('events', String(result.events));
  row(
    'decisions',
    result.decisions.map((d) => `${d.agent} → ${JSON.stringify(d.value)} @${d.tick}`).join(', ') ||
      'none',
  );
  row('trace hash', trace.hash());
  root.append(summary);

  const shown = Math.min(trace.length, RECORDS_SHOWN_MAX);
  if (shown < trace.length) {
    root.append(el('p', `Showing the first ${shown} of ${trace.length} records.`, 'note'));
  }
  const table = el('table');
  const head = el('tr');
  for (const h of ['seq', 'tick', 'kind', 'agent', 'peer', 'msg', 'cause', 'data'])
    head.append(el('th', h));
  table.append(head);
  for (let i = 0; i < shown; i++) {
    const r: TraceRecord = trace.record(i);
    const tr = el(
      'tr',
      undefined,
      r.kind === 'drop' ? 'drop' : r.kind === 'decide' ? 'decide' : undefined,
    );
    const cells = [
      r.seq,
      r.tick,
      r.kind,
      r.agent,
      r.peer,
      r.msg,
      r.cause,
      r.data === undefined ? '' : JSON.stringify(r.data),
    ];
    for (const c of cells) tr.append(el('td', c === undefined ? '' : String(c)));
    table.append(tr);
  }
  root.append(table);
}

const root = document.getElementById('app') as HTMLElement;
try {
  render(root);
} catch (err) {
  root.append(el('p', `parley could not run this scenario: ${(err as Error).message}`, 'error'));
}
