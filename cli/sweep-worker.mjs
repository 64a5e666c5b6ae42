// A piscina worker: runs sweep tasks from the compiled build when the command
// runs from it (PARLEY_BUILD, set by bin/parley.js), else from the TypeScript
// module through tsx, registered in this thread.
import { BUILD_ENV } from './compiled.mjs';

const build = process.env[BUILD_ENV];
let tasks;
if (build) tasks = await import(`${build}sweep-task.js`);
else {
  const { register } = await import('tsx/esm/api');
  register();
  tasks = await import('./sweep-task.ts');
}
const { prepareTasks, runTask } = tasks;

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
