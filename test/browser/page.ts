import { type RunPage, showPage } from '../../viz/main.ts';

let shown: RunPage | undefined;

/** The page for `query` (as after `?` in the URL), in a fresh root, once the run is shown. */
export async function openPage(query: string): Promise<RunPage> {
  const root = document.createElement('main');
  root.id = 'app';
  document.body.append(root);
  const run = await showPage(root, new URLSearchParams(query), { keepUrl: false });
  if (run === undefined) throw new Error(`?${query} did not run: ${root.textContent}`);
  shown = run;
  return run;
}

/** Ends the page `openPage` showed last, if any (its timers, workers and listeners). */
export function disposePage(): void {
  shown?.dispose();
  shown = undefined;
}
