/**
 * Protocols of one's own, by file: `protocol: ./ask-confirm.ts` in a scenario
 * (top level, an agent, a group, a variant, an override, a sweep axis). Node
 * only. The pure loader knows no file: before a scenario is loaded, the
 * command finds the paths it names (sim/scenario/protocol-paths.ts), imports
 * each file once per process, and hands the loader the registered protocols
 * plus these, keyed by the path as written.
 *
 * A relative path is relative to the scenario file's folder, wherever it is
 * written (a `--set` too). The module exports the Protocol as `export default`
 * or `export const protocol`; it may import `xstate` and `parley` from any
 * folder (cli/protocol-resolve.mjs). A run records each file protocol's path
 * as written and the SHA-256 of its text in the trace manifest
 * (`spec.protocolFiles`), so that replay finds it again, from the trace's
 * folder, and notices a change.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { register } from 'node:module';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROTOCOLS, SCHEDULERS } from '../scenarios/protocols/index.ts';
import {
  type Json,
  type LoadProblem,
  type Manifest,
  type Protocol,
  type Registry,
  ScenarioLoadError,
} from '../sim/index.ts';
import {
  isProtocolPath,
  type ProtocolPathOptions,
  protocolPathsIn,
} from '../sim/scenario/index.ts';
import { UsageError } from './errors.ts';
import { fileLines } from './trace-file.ts';

/** A registry that also says which file each path (as written) was read from. */
export interface FileRegistry extends Registry {
  /** Absolute file of each protocol path as written. */
  readonly files: ReadonlyMap<string, string>;
}

/** A scenario's text and the folder its relative protocol paths start from. */
export interface ScenarioSource {
  /** The file as messages name it. */
  readonly file: string;
  /** Absolute folder of the scenario file. */
  readonly dir: string;
  readonly text: string;
}

interface Imported {
  readonly protocol?: Protocol;
  /** Why the file gives no protocol, in a few words. */
  readonly problem?: string;
  readonly sha256: string;
}

/** The registered protocols alone: what every scenario without a protocol file gets. */
export const BASE_REGISTRY: FileRegistry = {
  protocols: PROTOCOLS,
  schedulers: SCHEDULERS,
  files: new Map(),
};

/** Largest protocol file read, in bytes. */
export const PROTOCOL_FILE_BYTES_MAX = 16 * 1024 * 1024;

const importing = new Map<string, Promise<Imported>>();
const imported = new Map<string, Imported>();
const wrapped = new Map<string, Protocol>();
let hooked = false;
let typescript: Promise<void> | undefined;

/**
 * Lets protocol files anywhere import `xstate` and `parley` (see
 * cli/protocol-resolve.mjs). A command running from its compiled build
 * (PARLEY_BUILD, cli/compiled.mjs) has no TypeScript loader: tsx is
 * registered in this thread at the first TypeScript protocol file, before the
 * resolve hook so that the hook sees `parley` first. Run from the sources,
 * tsx is there already.
 */
async function installHooks(abs: string): Promise<void> {
  if (typescript === undefined && process.env['PARLEY_BUILD'] && /\.[cm]?tsx?$/.test(abs))
    typescript = import('tsx/esm/api').then(({ register: registerTsx }) => {
      registerTsx();
    });
  await typescript;
  if (hooked) return;
  hooked = true;
  register(new URL('./protocol-resolve.mjs', import.meta.url));
}

/** SHA-256 of a file's bytes, in hex: what `sha256sum FILE` prints. */
export function sha256OfFile(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** An import failure in one or two lines: the compiler's position, or where it threw. */
function importProblem(err: unknown, abs: string): string {
  const e = err as Error & { code?: string };
  const text = String(e?.message ?? err);
  if (e?.name === 'TransformError' || /^Transform failed/.test(text)) {
    const lines = text
      .split('\n')
      .slice(1)
      .map((l) => l.replace(/ERROR: /, '').trim())
      .filter((l) => l !== '');
    return `does not compile: ${lines.slice(0, 2).join('; ')}`;
  }
  if (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'ERR_UNSUPPORTED_DIR_IMPORT')
    return `cannot import what it imports: ${text.split('\n')[0]}`;
  if (e instanceof SyntaxError) return `does not compile: ${text.split('\n')[0]}`;
  // Where in the file it threw, when the stack says.
  const url = pathToFileURL(abs).href;
  const frame = String(e?.stack ?? '')
    .split('\n')
    .find((l) => l.includes(url) || l.includes(abs));
  const where = /:(\d+):(\d+)\)?$/.exec(frame ?? '');
  return `threw while loading${where ? ` (line ${where[1]}, column ${where[2]})` : ''}: ${e?.name && e.name !== 'Error' ? `${e.name}: ` : ''}${text.split('\n')[0]}`;
}

/** The protocol a module exports, or why it exports none. */
function protocolOf(module: Record<string, unknown>): Protocol | string {
  const which = module['default'] !== undefined ? 'default' : 'protocol';
  const candidate = module['default'] ?? module['protocol'];
  if (candidate === undefined) {
    const names = Object.keys(module);
    return `exports no protocol: write \`export default { name, machine, params }\` or \`export const protocol = …\` (it exports ${names.length === 0 ? 'nothing' : names.join(', ')})`;
  }
  const p = candidate as Partial<Protocol> | null;
  if (typeof p !== 'object' || p === null)
    return `its ${which} export is ${p === null ? 'null' : typeof p}, not a protocol { name, machine, params }`;
  if (typeof p.name !== 'string' || p.name === '' || isProtocolPath(p.name))
    return `its ${which} export has no usable name: give it \`name: 'my-protocol'\` (a name, not a path)`;
  if (typeof (p.machine as { transition?: unknown } | undefined)?.transition !== 'function')
    return `its protocol "${p.name}" has no xstate machine: \`machine: setup({ … }).createMachine({ … })\``;
  if (p.params !== undefined && (typeof p.params !== 'object' || p.params === null))
    return `its protocol "${p.name}" has params that are not a map of declarations`;
  return p as Protocol;
}

async function importOne(abs: string): Promise<Imported> {
  if (!existsSync(abs)) return { problem: `no such file: ${abs}`, sha256: '' };
  const stat = statSync(abs);
  if (stat.isDirectory()) return { problem: `is a folder (${abs}), not a file`, sha256: '' };
  // A device or a pipe would never end; a file this large is no protocol.
  if (!stat.isFile()) return { problem: `is not a regular file (${abs})`, sha256: '' };
  if (stat.size > PROTOCOL_FILE_BYTES_MAX)
    return {
      problem: `is ${stat.size} bytes; a protocol file is at most ${PROTOCOL_FILE_BYTES_MAX}`,
      sha256: '',
    };
  const sha256 = sha256OfFile(abs);
  await installHooks(abs);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  } catch (err) {
    return { problem: importProblem(err, abs), sha256 };
  }
  const p = protocolOf(module);
  return typeof p === 'string' ? { problem: p, sha256 } : { protocol: p, sha256 };
}

/** Imports each file once per process (later calls wait for the first). */
export async function importProtocolFiles(files: Iterable<string>): Promise<void> {
  for (const abs of new Set(files)) {
    let pending = importing.get(abs);
    if (pending === undefined) {
      pending = importOne(abs);
      importing.set(abs, pending);
    }
    imported.set(abs, await pending);
  }
}

/** The protocol of an imported file, marked with where it came from (for the manifest). */
function withFile(abs: string, path: string, sha256: string, protocol: Protocol): Protocol {
  const key = `${abs}\u0000${path}\u0000${sha256}`;
  let p = wrapped.get(key);
  if (p === undefined) {
    p = { ...protocol, file: { path, sha256 } };
    wrapped.set(key, p);
  }
  return p;
}

/** Where a relative protocol path points from `dir`. */
function fileOf(dir: string, path: string): string {
  return resolve(dir, path);
}

/** Imports every protocol file `source` names (with these options); call before `scenarioRegistry`. */
export async function prepareScenario(
  source: ScenarioSource,
  options: ProtocolPathOptions = {},
): Promise<void> {
  const uses = protocolPathsIn(source.text, options);
  if (uses.length > 0) await importProtocolFiles(uses.map((u) => fileOf(source.dir, u.value)));
}

/**
 * The registry to load `source` with: the registered protocols plus every
 * protocol file it names, by the path as written. Throws a ScenarioLoadError
 * naming the line and column (or the override) of a file that is missing,
 * does not load, exports no protocol or reuses a name. Synchronous: the files
 * were imported by `prepareScenario`.
 */
export function scenarioRegistry(
  source: ScenarioSource,
  options: ProtocolPathOptions = {},
): FileRegistry {
  const uses = protocolPathsIn(source.text, options);
  if (uses.length === 0) return BASE_REGISTRY;
  const protocols = new Map(PROTOCOLS);
  const files = new Map<string, string>();
  const problems: LoadProblem[] = [];
  /** Declared name → the file that declared it first, and the path as written. */
  const names = new Map<string, { abs: string; value: string }>();
  for (const use of uses) {
    const abs = fileOf(source.dir, use.value);
    const where = {
      path: use.path,
      ...(use.line !== undefined ? { line: use.line, column: use.column ?? 1 } : {}),
      ...(use.override !== undefined ? { override: use.override } : {}),
    };
    const got = imported.get(abs);
    if (got === undefined)
      throw new Error(`protocol file ${abs} was not imported before the scenario was loaded`);
    if (got.protocol === undefined) {
      const missing = got.problem?.startsWith('no such file') === true;
      problems.push({
        ...where,
        message: missing
          ? `no protocol file ${use.value}: looked for ${abs} (a relative path starts from the scenario file's folder)`
          : `protocol file ${use.value} ${got.problem}`,
      });
      continue;
    }
    const own = PROTOCOLS.get(got.protocol.name);
    if (own === got.protocol) {
      // A registered protocol's own file, named by path: the registered protocol.
      protocols.set(use.value, own);
      files.set(use.value, abs);
      continue;
    }
    if (own !== undefined) {
      problems.push({
        ...where,
        message: `protocol file ${use.value} declares the name "${got.protocol.name}", which parley's own protocol has: give it another name`,
      });
      continue;
    }
    const first = names.get(got.protocol.name);
    if (first !== undefined && first.abs !== abs) {
      problems.push({
        ...where,
        message: `protocol file ${use.value} declares the name "${got.protocol.name}", as ${first.value} does: the protocols of one scenario need different names`,
      });
      continue;
    }
    names.set(got.protocol.name, { abs, value: use.value });
    protocols.set(use.value, withFile(abs, use.value, got.sha256, got.protocol));
    files.set(use.value, abs);
  }
  if (problems.length > 0) throw new ScenarioLoadError(source.file, problems);
  return { protocols, schedulers: SCHEDULERS, files };
}

/** One protocol file a trace's run used, as its manifest records it. */
export interface ManifestProtocolFile {
  /** The protocol's name in the manifest's agents. */
  readonly name: string;
  /** The path as the scenario wrote it. */
  readonly path: string;
  readonly sha256: string;
  /** Where it is looked for now. */
  readonly abs: string;
}

/**
 * The protocol files a manifest records, each looked for from `dir` (default
 * the trace's folder): a relative path from there; an absolute path as it
 * is, or by its file name in `dir` when it is not there.
 */
export function manifestProtocolFiles(
  manifest: Manifest,
  traceFile: string,
  dir?: string,
): ManifestProtocolFile[] {
  const spec = manifest.spec as Record<string, Json> | null;
  const recorded = spec?.['protocolFiles'];
  if (typeof recorded !== 'object' || recorded === null || Array.isArray(recorded)) return [];
  const base = resolve(dir ?? dirname(traceFile));
  return Object.entries(recorded).map(([name, v]) => {
    const o = (v ?? {}) as Record<string, Json>;
    const path = String(o['path'] ?? '');
    const abs = isAbsolute(path)
      ? existsSync(path) || dir === undefined
        ? path
        : resolve(base, basename(path))
      : resolve(base, path);
    return { name, path, sha256: String(o['sha256'] ?? ''), abs };
  });
}

/** Imports the protocol files a manifest records; call before `manifestRegistry`. */
export async function prepareManifest(
  manifest: Manifest,
  traceFile: string,
  dir?: string,
): Promise<void> {
  await importProtocolFiles(manifestProtocolFiles(manifest, traceFile, dir).map((f) => f.abs));
}

/**
 * Imports the protocol files a trace file's manifest records. A file without
 * a readable manifest is left to the command, which says what is wrong.
 */
export async function prepareTrace(traceFile: string, dir?: string): Promise<void> {
  let manifest: Manifest;
  try {
    const first = fileLines(traceFile).next();
    if (first.done === true) return;
    manifest = JSON.parse(first.value) as Manifest;
  } catch {
    return;
  }
  if (typeof manifest === 'object' && manifest !== null)
    await prepareManifest(manifest, traceFile, dir);
}

/**
 * The registry that rebuilds a trace's run: the registered protocols plus
 * each recorded protocol file, by its name and by its path as written.
 * `changed` says, in words, which files differ from the ones the run used.
 * Throws a UsageError when a file is missing or does not load.
 */
export function manifestRegistry(
  manifest: Manifest,
  traceFile: string,
  dir?: string,
): { registry: FileRegistry; changed: string[] } {
  const recorded = manifestProtocolFiles(manifest, traceFile, dir);
  if (recorded.length === 0) return { registry: BASE_REGISTRY, changed: [] };
  const protocols = new Map(PROTOCOLS);
  const files = new Map<string, string>();
  const changed: string[] = [];
  const lookIn =
    dir === undefined
      ? "paths in a trace start from the trace's folder: put the file there, or give --protocols DIR"
      : `looked in --protocols ${dir}`;
  for (const f of recorded) {
    const got = imported.get(f.abs);
    if (got === undefined)
      throw new Error(`protocol file ${f.abs} was not imported before the trace was read`);
    if (got.protocol === undefined)
      throw new UsageError(
        got.problem?.startsWith('no such file') === true
          ? `${traceFile}: the run used protocol "${f.name}" from ${f.path}, which is not at ${f.abs}; ${lookIn}`
          : `${traceFile}: the run's protocol file ${f.path} (${f.abs}) ${got.problem}`,
      );
    if (got.sha256 !== f.sha256)
      changed.push(
        `the protocol file ${f.path} (${f.abs}) changed since the trace was written: its SHA-256 was ${f.sha256.slice(0, 12)}…, it is now ${got.sha256.slice(0, 12)}…`,
      );
    if (got.protocol.name !== f.name)
      changed.push(
        `the protocol file ${f.path} now declares the name "${got.protocol.name}"; the run used "${f.name}"`,
      );
    // Marked as the trace recorded it, so that only the behaviour can differ.
    const p = withFile(f.abs, f.path, f.sha256, { ...got.protocol, name: f.name });
    protocols.set(f.name, p);
    protocols.set(f.path, p);
    files.set(f.path, f.abs);
  }
  return { registry: { protocols, schedulers: SCHEDULERS, files }, changed };
}

/**
 * `source` (a scenario as data) with each protocol file path rewritten to
 * start from `toDir`, for a scenario written to another folder (a shrunk
 * one). Paths not in `files` stay as they are. Pure.
 */
export function rebaseProtocolPaths<T>(
  source: T,
  files: ReadonlyMap<string, string>,
  toDir: string,
): T {
  if (files.size === 0) return source;
  const clone = structuredClone(source) as unknown;
  const stack: unknown[] = [clone];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    for (const [k, child] of Object.entries(v)) {
      const abs = typeof child === 'string' && k === 'protocol' ? files.get(child) : undefined;
      if (abs !== undefined) {
        const rel = relative(toDir, abs).split(sep).join('/');
        (v as Record<string, unknown>)[k] = rel.startsWith('../') ? rel : `./${rel}`;
      } else stack.push(child);
    }
  }
  return clone as T;
}
