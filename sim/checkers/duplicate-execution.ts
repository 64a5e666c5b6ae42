/**
 * Duplicate executions of a task: at-least-once hand-off runs a task again
 * when an acknowledgement is lost, unless the worker keeps idempotency keys
 * (Helland, "Idempotence Is Not a Medical Condition", 2012). Reads the notes
 * `{ execute: taskId }` an agent records when it performs a task's side
 * effect. Metrics: tasks executed, duplicate executions.
 */
import type { Checker } from './verdict.ts';
import { valueKey } from './verdict.ts';
import { plural } from './words.ts';

export const duplicateExecution: Checker = {
  property: 'duplicate-execution',
  description: 'no task is executed more than once',
  options: {},
  check(view) {
    const seen = new Map<string, number[]>();
    for (const r of view.ofKind('note')) {
      const data = r.data as { execute?: unknown } | null;
      if (data === null || typeof data !== 'object' || !('execute' in data)) continue;
      const key = valueKey(data.execute as never);
      const list = seen.get(key) ?? [];
      list.push(r.seq);
      seen.set(key, list);
    }
    const repeated = [...seen.entries()].filter(([, seqs]) => seqs.length > 1);
    const duplicates = repeated.reduce((n, [, seqs]) => n + seqs.length - 1, 0);
    const metrics = { tasks: seen.size, duplicates };
    if (repeated.length === 0)
      return {
        property: 'duplicate-execution',
        status: 'holds',
        summary: `${plural(seen.size, 'task')} executed, each once`,
        records: [],
        metrics,
      };
    const [task, seqs] = repeated[0] as [string, number[]];
    return {
      property: 'duplicate-execution',
      status: 'fails',
      summary: `${plural(duplicates, 'duplicate execution')} over ${plural(repeated.length, 'task')}; task ${task} ran ${seqs.length} times`,
      records: seqs,
      metrics,
    };
  },
};
