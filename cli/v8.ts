/**
 * V8 settings for parley's Node processes (the command line, its sweep
 * workers, which share the process's flags, and the benchmarks).
 *
 * Allocation-site pretenuring is off. V8 watches which allocation sites make
 * objects that survive a young-generation collection and, past a threshold,
 * allocates that site's objects straight in the old generation. A simulation
 * trips it: xstate makes about 5 kB of short-lived objects per step, and once
 * a site is pretenured, its dead objects in the old generation keep the young
 * objects they point to alive, so every scavenge promoted 0.5 to 1.6 MB of
 * garbage. Whether it tripped depended on how much code the process had
 * loaded. Off, the same runs promote almost nothing: the relay workload ran
 * 1.1 to 1.3 times faster and the protocol benchmarks 10 to 37% faster.
 */
import { setFlagsFromString } from 'node:v8';

/** Applies parley's V8 settings; call before the first run. */
export function tuneV8(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}
