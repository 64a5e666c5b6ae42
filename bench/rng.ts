/** Draws per second of parley's sfc32 streams against seedrandom's generators, measured in the same run. */
import seedrandom from 'seedrandom';
import { deriveStream } from '../sim/index.ts';
import { median, type Row } from './report.ts';

const DRAWS = 5_000_000;

function rate(next: () => number): number {
  const rates: number[] = [];
  for (let r = 0; r < 6; r++) {
    let sum = 0;
    const t0 = performance.now();
    for (let i = 0; i < DRAWS; i++) sum += next();
    const dt = performance.now() - t0;
    if (sum < 0) throw new Error('unreachable');
    if (r > 0) rates.push(DRAWS / (dt / 1000));
  }
  return median(rates);
}

export function rngRows(): Row[] {
  const sfc = deriveStream(1, 'bench');
  const alea = seedrandom.alea('1');
  const arc4 = seedrandom('1');
  const ours = rate(() => sfc.next());
  const aleaRate = rate(() => alea());
  const arc4Rate = rate(() => arc4());
  return [
    { name: 'parley sfc32 stream', value: ours, unit: 'draws/s' },
    { name: 'seedrandom alea', value: aleaRate, unit: 'draws/s' },
    { name: 'seedrandom default (ARC4)', value: arc4Rate, unit: 'draws/s' },
    { name: '  sfc32 / alea', value: ours / aleaRate, unit: 'x' },
    { name: '  sfc32 / ARC4', value: ours / arc4Rate, unit: 'x' },
  ];
}
