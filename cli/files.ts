/** Writing output files whole or not at all. Node only. */
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from './errors.ts';

/**
 * Throws a UsageError naming `path` when its folder does not exist or is not
 * a folder: checked before any work, so a long run does not end in a failed write.
 */
export function checkWritable(path: string): void {
  const dir = dirname(path);
  if (!existsSync(dir)) throw new UsageError(`${path}: no such folder ${dir}`);
  if (!statSync(dir).isDirectory()) throw new UsageError(`${path}: ${dir} is not a folder`);
}

/**
 * Writes `lines` to `path` through a temporary file beside it, renamed into
 * place at the end: an interrupted run never leaves half a file.
 */
export function writeWhole(path: string, lines: Iterable<string>): void {
  checkWritable(path);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    let chunk = '';
    writeFileSync(tmp, '');
    for (const line of lines) {
      chunk += `${line}\n`;
      if (chunk.length > 1 << 20) {
        writeFileSync(tmp, chunk, { flag: 'a' });
        chunk = '';
      }
    }
    writeFileSync(tmp, chunk, { flag: 'a' });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== undefined) throw new UsageError(`${path}: cannot write it (${code})`);
    throw err;
  }
}

/**
 * A file name stem made from text that came from a file's contents (a
 * scenario's name): one path segment of letters, digits, '.', '_' and '-',
 * so that no scenario can choose where parley writes (`../../x` gives
 * `x`). Only paths typed on the command line are used as paths.
 */
export function safeStem(text: string): string {
  const stem = text
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[.-]+/, '')
    .replace(/-+$/, '')
    .slice(0, 100);
  return stem === '' ? 'scenario' : stem;
}
