// A piscina worker: registers tsx in this thread, then runs sweep tasks from the TypeScript module.
import { register } from 'tsx/esm/api';

register();
const { runTask } = await import('./sweep-task.ts');

export default function run(task) {
  return runTask(task);
}
