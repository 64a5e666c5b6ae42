// A piscina worker: registers tsx in this thread, then runs sweep tasks from the TypeScript module.
import { register } from 'tsx/esm/api';

register();
const { runTask } = await import('./sweep-task.ts');

/** Runs a batch of sweep tasks and returns their rows, in order. */
export default function run(tasks) {
  return tasks.map(runTask);
}
