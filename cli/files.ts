/** Writing output files whole or not at all. Node only. */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `lines` to `path` through a temporary file beside it, renamed into
 * place at the end: an interrupted run never leaves half a file.
 */
export function writeWhole(path: string, lines: Iterable<string>): void {
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
    throw err;
  }
}
