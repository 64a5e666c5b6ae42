/**
 * Exploration (sim/explore.ts): distinct states per second with state
 * hashing, and the schedules run with and without it, on one small
 * configuration: majority-vote-partition, strict quorum, one resend,
 * latencies 1 and 2, no loss (16 choice points, exhausted both ways).
 *
 * Where the time goes (a CPU profile of the same configuration with two
 * resends, 27,690 states, here): the fingerprints take about 40 % (SHA-256
 * of their JSON 27 %, building the JSON the rest), the engine's steps 18 %,
 * starting each schedule's run 7 %; judging the schedules little.
 */
import { fileURLToPath } from 'node:url';
import { loadNamed } from '../cli/catalog.ts';
import { explore } from '../sim/explore.ts';
import { printRows, type Row } from './report.ts';

export const EXPLORE_TITLE =
  'Exploration (majority-vote-partition, strict quorum, resendsMax 1, latencies 1,2, no loss, exhausted; one run each)';

export function exploreRows(): Row[] {
  const { scenario } = loadNamed('majority-vote-partition', {
    overrides: ['params.quorum=strict', 'params.resendsMax=1'],
  });
  let t = performance.now();
  const hashed = explore(scenario, {});
  const hashedMs = performance.now() - t;
  t = performance.now();
  const plain = explore(scenario, { prune: false });
  const plainMs = performance.now() - t;
  return [
    {
      name: 'distinct states per second, with hashing',
      value: (hashed.states / hashedMs) * 1000,
      unit: 'states/s',
    },
    { name: 'schedules, with hashing', value: hashed.schedules, unit: 'schedules' },
    { name: 'schedules, without hashing', value: plain.schedules, unit: 'schedules' },
    {
      name: 'schedules per second, without hashing',
      value: (plain.schedules / plainMs) * 1000,
      unit: 'schedules/s',
    },
    { name: 'time, with hashing', value: hashedMs, unit: 'ms' },
    { name: 'time, without hashing', value: plainMs, unit: 'ms' },
  ];
}

export function printExplore(): void {
  printRows(EXPLORE_TITLE, exploreRows());
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1])
  printExplore();
