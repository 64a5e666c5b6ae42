import { type ExploreViolation, type ScheduleSpec, scheduleChooser } from '../../sim/explore.ts';
import { type RunResult, runScenario } from '../../sim/index.ts';
import type { Scenario } from '../../sim/spec.ts';

/**
 * A violation's run again, as `parley run` and the page replay it: `scenario`
 * at seed 1 on the violation's choices under `bounds`, stopped where the
 * search stopped it (its eventsMax) when it did.
 */
export function replayViolation(
  scenario: Scenario,
  v: ExploreViolation,
  bounds: Omit<ScheduleSpec, 'choices'>,
): RunResult {
  return runScenario(
    v.eventsMax === undefined
      ? scenario
      : { ...scenario, limits: { ...scenario.limits, eventsMax: v.eventsMax } },
    { seed: 1, chooser: scheduleChooser({ ...bounds, choices: v.vector }) },
  );
}
