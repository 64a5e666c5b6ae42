// A piscina worker: registers tsx in this thread, then runs sweep tasks from the TypeScript module.
import { register } from 'tsx/esm/api';

register();
const { runTask } = await import('./sweep-task.ts');

/** Runs a batch of sweep tasks; returns their rows, in order, and the time they took in ms (the pool sizes its batches by it). */
export default function run(tasks) {
  const t0 = performance.now();
  const rows = tasks.map(runTask);
  return { rows, ms: performance.now() - t0 };
}
