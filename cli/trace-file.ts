/** Reading a JSONL trace file back into a Trace. Node only; the parsing is sim/trace-read.ts. */
import { existsSync, readFileSync } from 'node:fs';
import type { Trace } from '../sim/index.ts';
import { traceFromJsonl } from '../sim/trace-read.ts';
import { UsageError } from './errors.ts';

/** The trace in `file`, rebuilt record by record (no protocol needed), its hash checked. */
export function readTrace(file: string): Trace {
  if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
  try {
    return traceFromJsonl(readFileSync(file, 'utf8'), file);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
