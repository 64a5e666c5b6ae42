/**
 * The run's verdicts, compact, for the page's side column: one button per
 * verdict with its property and whether it holds or fails (and, in small,
 * whether that was expected), its summary in one or two lines below.
 * Clicking one calls `onVerdict` (the page highlights its records and moves
 * the cursor to the first). Text goes in as textContent only.
 */
import type { Judged } from '../../sim/index.ts';
import { el } from './common.ts';

export interface VerdictsView {
  readonly element: HTMLElement;
}

export function verdictsView(
  verdicts: readonly Judged[],
  onVerdict: (verdict: Judged) => void,
): VerdictsView {
  const element = el('section', undefined, 'panel verdicts-panel');
  element.append(el('h2', 'verdicts'));
  const list = el('ul', undefined, 'verdicts');
  for (const v of verdicts) {
    const item = el('li', undefined, `${v.met ? 'met' : 'unmet'} ${v.status}`);
    const button = el('button', undefined, 'verdict');
    button.type = 'button';
    button.title = `${v.summary}\n(${v.records.length} records; click to move the cursor to the first and highlight them in the diagram)`;
    const expected =
      v.expect === undefined ? '' : v.met ? ' as expected' : ` (expected ${v.expect})`;
    button.append(
      el('span', v.status, `status ${v.status}`),
      el('span', ` ${v.property}`, 'property'),
      el('span', expected, 'expected'),
    );
    // A click leaves the focus where it was, so Space goes on playing instead of clicking again.
    button.addEventListener('mousedown', (e) => e.preventDefault());
    button.addEventListener('click', () => {
      for (const b of list.querySelectorAll('button.verdict')) b.classList.remove('active');
      button.classList.add('active');
      onVerdict(v);
    });
    item.append(button, el('div', v.summary, 'summary-line'));
    list.append(item);
  }
  if (verdicts.length === 0) list.append(el('li', 'no checks'));
  element.append(list);
  return { element };
}
