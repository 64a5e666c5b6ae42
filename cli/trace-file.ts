/**
 * Reading a JSONL trace file back into a Trace, streaming: the file is read
 * in chunks and split into lines (a line may straddle chunks), each line fed
 * to sim/trace-read.ts's TraceReader, so a trace larger than the biggest
 * string V8 can hold (about 512 MB) reads in the memory of its records.
 * Node only.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { ModelRecord, Trace, TraceRecord } from '../sim/index.ts';
import { TraceReadError, TraceReader } from '../sim/trace-read.ts';
import { UsageError } from './errors.ts';

/** Bytes read at a time. */
export const CHUNK_BYTES = 1 << 20;
/** Longest line read, in bytes: far beyond any record, well within a string. */
export const LINE_BYTES_MAX = 256 * 1024 * 1024;

/** A file that cannot be opened or read, as one line naming it (exit code 2). */
export function unreadable(file: string, err: unknown): UsageError {
  const code = (err as NodeJS.ErrnoException)?.code;
  const why =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EISDIR'
        ? 'a directory, not a file'
        : code === 'EACCES' || code === 'EPERM'
          ? 'not allowed to read it'
          : ((err as Error)?.message ?? String(err));
  return new UsageError(code === 'ENOENT' ? `no such file: ${file}` : `${file}: ${why}`);
}

/**
 * The lines of `file` as UTF-8 text, each without its "\n" (a "\r" before it
 * is kept), the last one also when the file does not end in "\n". Reads
 * `chunkBytes` at a time; throws a UsageError for a file that cannot be
 * read or a line longer than LINE_BYTES_MAX.
 */
export function* fileLines(file: string, chunkBytes = CHUNK_BYTES): Generator<string> {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw unreadable(file, err);
  }
  try {
    const chunk = Buffer.allocUnsafe(chunkBytes);
    /** The start of a line not yet ended, in pieces (copies: `chunk` is reused). */
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let line = 1;
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunkBytes, null);
      } catch (err) {
        throw unreadable(file, err);
      }
      if (n === 0) break;
      const bytes = chunk.subarray(0, n);
      const last = bytes.lastIndexOf(10);
      if (last < 0) {
        pending.push(Buffer.from(bytes));
        pendingBytes += n;
        if (pendingBytes > LINE_BYTES_MAX)
          throw new UsageError(
            `${file}:${line}:1: a line longer than ${LINE_BYTES_MAX} bytes: not a parley trace`,
          );
        continue;
      }
      // Everything up to the chunk's last newline is whole lines: decode them at once.
      const head =
        pending.length === 0
          ? bytes.toString('utf8', 0, last)
          : Buffer.concat([...pending, bytes.subarray(0, last)]).toString('utf8');
      pending = [];
      pendingBytes = 0;
      const lines = head.split('\n');
      line += lines.length;
      yield* lines;
      if (last + 1 < n) {
        pending.push(Buffer.from(bytes.subarray(last + 1)));
        pendingBytes = n - last - 1;
      }
    }
    if (pendingBytes > 0) yield Buffer.concat(pending).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * The trace in `file`, rebuilt record by record (no protocol needed), its
 * end line and hash checked; reads `chunkBytes` at a time. Throws a
 * UsageError `file:line:column: reason` for a file that is not a whole trace.
 */
export function readTrace(file: string, chunkBytes = CHUNK_BYTES): Trace {
  const reader = new TraceReader(file);
  try {
    for (const line of fileLines(file, chunkBytes)) reader.line(line);
    return reader.finish();
  } catch (err) {
    if (err instanceof TraceReadError) throw new UsageError(err.message);
    throw err;
  }
}

/** The `model` records of the trace in `file`: each request's hash and the answer the run got. */
export function traceModelRecords(file: string, chunkBytes = CHUNK_BYTES): ModelRecord[] {
  const out: ModelRecord[] = [];
  for (const line of fileLines(file, chunkBytes))
    if (line.includes('"kind":"model"')) {
      try {
        const r = JSON.parse(line) as TraceRecord;
        if (r.kind === 'model') out.push(r.data as unknown as ModelRecord);
      } catch {
        // a damaged line: the line-by-line check reports it
      }
    }
  return out;
}
