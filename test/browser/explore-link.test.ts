/**
 * The link `parley explore` prints for a violation: the page runs the
 * schedule (choices=… with latencies, losses, duplicates, crashes) instead
 * of the network's draws and opens at the violating record (at=SEQ).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { scheduleChooser } from '../../sim/explore.ts';
import { runScenario } from '../../sim/index.ts';
import '../../viz/style.css';
import { loadCatalog } from '../../viz/catalog.ts';
import { showPage } from '../../viz/main.ts';
import { disposePage, openPage } from './page.ts';

afterEach(() => {
  disposePage();
  document.body.replaceChildren();
});

describe("the page opens explore's violating schedule at its record", () => {
  it('two-generals, 3 hops, the last hop lost (choices 0,0,2): the run of the schedule, at seq 21', async () => {
    const sets = ['network.dropRatio=0', 'params.hops=3', 'limits.eventsMax=6'];
    const query = `scenario=two-generals&seed=2&${sets.map((s) => `set=${s}`).join('&')}&latencies=1,2&losses=1&duplicates=0&crashes=0&choices=0,0,2&at=21`;
    const run = await openPage(query);
    const { scenario } = loadCatalog('two-generals', undefined, sets);
    const trace = runScenario(scenario, {
      seed: 2,
      chooser: scheduleChooser({
        latencies: [1, 2],
        losses: 1,
        duplicates: 0,
        crashes: 0,
        choices: [0, 0, 2],
      }),
    }).trace;
    expect(run.player.position(), query).toBe(21);
    expect(run.player.end(), query).toBe(trace.length - 1);
    expect(document.body.textContent, query).toContain(trace.hash());
    expect([...trace.records()].filter((r) => r.kind === 'drop').length).toBe(1);
    // The title says the run is a schedule of explore, not the seed's draws.
    expect(document.querySelector('.run-name')?.parentElement?.textContent).toContain(
      'explored · 3 choices',
    );
  });

  it('says what is wrong with a bad schedule in the link, and does not run', async () => {
    const root = document.createElement('main');
    document.body.append(root);
    const run = await showPage(root, new URLSearchParams('scenario=two-generals&choices=0,x'), {
      keepUrl: false,
    });
    expect(run).toBeUndefined();
    expect(root.textContent).toMatch(/the link's schedule \(choices=…\)/);
  });
});
