// Which code `parley` runs: the compiled build in dist-cli/ (written by
// scripts/build-cli.mjs at `npm install`, `npm ci` and `npm pack`) when it
// was made from the sources as they are now, else the TypeScript sources
// through tsx. Plain JavaScript, so that it loads before any loader; Node only.
//
// The build records each file it was compiled from (its size, modification
// time and SHA-256) in dist-cli/build.json, written last. A file whose size
// and time match is taken as unchanged; one whose time moved (a checkout,
// `touch`) is hashed, so only a change of content makes the build stale. A
// package installed from its tarball ships the build and none of the
// sources: there the build is the only code and is used as it is.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The folder holding package.json, bin/, cli/, sim/ and scenarios/. */
export const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** Where the compiled build is written. */
export const BUILD_DIR = join(ROOT, 'dist-cli');
/** The build's record of what it was made from; its absence means no usable build. */
export const STAMP_FILE = 'build.json';
/**
 * The variable through which the command's choice reaches its worker threads
 * and the protocol-file resolve hook: the build's folder as a file URL
 * ending in '/', or unset when parley runs from its sources.
 */
export const BUILD_ENV = 'PARLEY_BUILD';
/** A source file every checkout has and no installed package does. */
const SOURCE_MARK = join(ROOT, 'cli', 'main.ts');

/** SHA-256 of a file's bytes, in hex. */
export function sha256Of(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** What the stamp records of one input file: size in bytes, modification time in ms, SHA-256. */
export function inputStamp(file) {
  const stat = statSync(file);
  return { size: stat.size, mtimeMs: stat.mtimeMs, sha256: sha256Of(file) };
}

/** Whether a file under ROOT still has the content recorded in `stamp`. */
function unchanged(relative, stamp) {
  const file = join(ROOT, relative);
  const stat = statSync(file, { throwIfNoEntry: false });
  if (stat === undefined || !stat.isFile() || stat.size !== stamp.size) return false;
  return stat.mtimeMs === stamp.mtimeMs || sha256Of(file) === stamp.sha256;
}

/**
 * The compiled build's folder as a file URL ending in '/', when it exists and
 * was made from the sources as they are now (or there are no sources);
 * undefined otherwise, and then the caller runs the sources. Reads the
 * stamp and stats each input (a few ms); never writes.
 */
export function currentBuild() {
  const stampFile = join(BUILD_DIR, STAMP_FILE);
  if (!existsSync(stampFile)) return undefined;
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(stampFile, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof stamp?.inputs !== 'object' || stamp.inputs === null) return undefined;
  if (existsSync(SOURCE_MARK))
    for (const [relative, input] of Object.entries(stamp.inputs))
      if (!unchanged(relative, input)) return undefined;
  return pathToFileURL(`${BUILD_DIR}/`).href;
}
