/**
 * Running sweep rows in this thread: one run's row, or a whole grid in run
 * order (the command line spreads the same runs over workers). Pure.
 */
import { judge } from '../checkers/index.ts';
import type { EngineChoice } from '../fast/engine.ts';
import { runScenario } from '../simulation.ts';
import type { Scenario } from '../spec.ts';
import { type Grid, type GridRun, overridesOf, runAt, runsOf } from './grid.ts';
import { type Cell, rowOf } from './rows.ts';

/**
 * The row of grid run `run` of `scenario` (the scenario with the run's axis
 * values applied), its machines stepped as `engine` says (the row is the same).
 */
export function runRow(scenario: Scenario, run: GridRun, engine: EngineChoice = 'auto'): Cell[] {
  const result = runScenario(scenario, { seed: run.seed, engine });
  return rowOf(run, result, judge(result.trace));
}

/**
 * Every row of `grid` in run order; `scenarioAt` builds the scenario for a
 * run's overrides (called once per grid point).
 */
export function gridRows(grid: Grid, scenarioAt: (overrides: string[]) => Scenario): Cell[][] {
  const scenarios = new Map<number, Scenario>();
  const rows: Cell[][] = [];
  for (let r = 0; r < runsOf(grid); r++) {
    const run = runAt(grid, r);
    let scenario = scenarios.get(run.point);
    if (scenario === undefined) {
      scenario = scenarioAt(overridesOf(grid, run));
      scenarios.set(run.point, scenario);
    }
    rows.push(runRow(scenario, run));
  }
  return rows;
}
