// A piscina worker: registers tsx in this thread, then runs sweep tasks from the TypeScript module.
import { register } from 'tsx/esm/api';

register();
const { prepareTasks, runTask } = await import('./sweep-task.ts');

/**
 * Runs a batch of sweep tasks; returns their rows, in order, and the time they
 * took in ms (the pool sizes its batches by it). The protocol files the tasks
 * name are imported in this thread first, once each.
 */
export default async function run(tasks) {
  await prepareTasks(tasks);
  const t0 = performance.now();
  const rows = tasks.map(runTask);
  return { rows, ms: performance.now() - t0 };
}
