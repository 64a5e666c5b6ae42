/**
 * Workshops: a YAML file (scenarios/workshops/NAME.yaml) listing the steps a
 * teacher walks through on the page, each a catalogue scenario at a seed,
 * with a variant or a second run beside it, a cursor and a paragraph to
 * say. Also the `compare` notation the page's `?compare=` shares. Pure: text
 * in, steps out; every problem is reported with its line and column.
 */
import { isMap, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
import { z } from 'zod';
import { didYouMean } from './scenario/suggest.ts';

/** What a second run beside the first differs by. */
export type Compare =
  | { readonly kind: 'variant'; readonly variant: string }
  | { readonly kind: 'seed'; readonly seed: number }
  | { readonly kind: 'set'; readonly overrides: readonly string[] };

/**
 * `variant:mitigated`, `seed:7` or `set:network.dropRatio=0.3` (several
 * overrides separated by `;`) → a Compare, or a message saying what is wrong.
 */
export function parseCompare(text: string): Compare | string {
  const m = /^(variant|seed|set):(.*)$/s.exec(text.trim());
  const usage = 'write variant:NAME, seed:N or set:PATH=VALUE';
  if (m === null) return `compare "${text}": ${usage}`;
  const rest = (m[2] as string).trim();
  if (m[1] === 'variant')
    return rest === ''
      ? `compare "${text}": no variant named; ${usage}`
      : { kind: 'variant', variant: rest };
  if (m[1] === 'seed') {
    const seed = Number(rest);
    return /^\d+$/.test(rest) && Number.isSafeInteger(seed)
      ? { kind: 'seed', seed }
      : `compare "${text}": the seed must be a whole number`;
  }
  const overrides = rest
    .split(';')
    .map((o) => o.trim())
    .filter((o) => o !== '');
  return overrides.length > 0 && overrides.every((o) => o.includes('='))
    ? { kind: 'set', overrides }
    : `compare "${text}": give PATH=VALUE overrides, separated by ";"`;
}

/** `compare` back to its notation. */
export function compareText(c: Compare): string {
  return c.kind === 'variant'
    ? `variant:${c.variant}`
    : c.kind === 'seed'
      ? `seed:${c.seed}`
      : `set:${c.overrides.join(';')}`;
}

export interface WorkshopStep {
  readonly scenario: string;
  readonly seed?: number;
  readonly variant?: string;
  readonly set?: readonly string[];
  readonly compare?: Compare;
  /** Where the cursor starts: a record's seq, or the end of the run; default the first key moment. */
  readonly at?: number | 'end';
  /** The paragraph to say, in plain words. */
  readonly say: string;
}

export interface Workshop {
  readonly name: string;
  readonly title: string;
  readonly description?: string;
  readonly steps: readonly WorkshopStep[];
}

const stepSchema = z.strictObject({
  scenario: z.string().min(1),
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  variant: z.string().min(1).optional(),
  set: z.array(z.string()).optional(),
  compare: z.string().optional(),
  at: z.union([z.number().int().min(0), z.literal('end')]).optional(),
  say: z.string().min(1),
});

const workshopSchema = z.strictObject({
  name: z.string().min(1),
  title: z.string().min(1),
  description: z.string().optional(),
  steps: z.array(stepSchema).min(1),
});

/** A workshop file that cannot be used: each problem as `file:line:column: path: message`. */
export class WorkshopError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'WorkshopError';
  }
}

export interface WorkshopCatalog {
  /** The scenarios a step may name. */
  readonly scenarios: readonly string[];
  /** The variants of a scenario. */
  variantsOf(scenario: string): readonly string[];
}

/** Reads workshop text, checking every step against the catalogue. Throws WorkshopError. */
export function loadWorkshop(text: string, file: string, catalog: WorkshopCatalog): Workshop {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, logLevel: 'silent', uniqueKeys: true });
  const at = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  if (doc.errors.length > 0)
    throw new WorkshopError(
      doc.errors.map((e) => `${at(e.pos[0])}: ${e.message.split('\n')[0] ?? e.message}`),
    );
  const where = (path: readonly (string | number)[], key = false): string => {
    if (key && path.length > 0) {
      const parent = doc.getIn(path.slice(0, -1), true);
      if (isMap(parent)) {
        const pair = parent.items.find(
          (p) => isScalar(p.key) && String(p.key.value) === String(path.at(-1)),
        );
        const range = (pair?.key as Node | undefined)?.range;
        if (range) return at(range[0]);
      }
    }
    for (let n = path.length; n >= 0; n--) {
      const node = (n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true)) as Node | undefined;
      if (node?.range) return at(node.range[0]);
    }
    return file;
  };
  const problems: string[] = [];
  const say = (path: readonly (string | number)[], message: string, key = false) =>
    problems.push(`${where(path, key)}: ${path.length > 0 ? `${path.join('.')}: ` : ''}${message}`);
  const data: unknown = doc.toJS();
  const parsed = workshopSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path as (string | number)[];
      if (issue.code === 'unrecognized_keys')
        for (const key of issue.keys)
          say(
            [...path, key],
            `unknown key "${key}"${didYouMean(key, Object.keys(path.length === 0 ? workshopSchema.shape : stepSchema.shape))}`,
            true,
          );
      else if (issue.code === 'invalid_type' && valueAt(data, path) === undefined)
        say(path, 'is required');
      else say(path, issue.message);
    }
    throw new WorkshopError(byPosition(problems));
  }
  const steps = parsed.data.steps.map((s, i): WorkshopStep => {
    if (!catalog.scenarios.includes(s.scenario))
      say(
        ['steps', i, 'scenario'],
        `no scenario "${s.scenario}" in the catalogue${didYouMean(s.scenario, catalog.scenarios)}`,
      );
    const variants = catalog.scenarios.includes(s.scenario) ? catalog.variantsOf(s.scenario) : [];
    const variant = (v: string, path: (string | number)[]) => {
      if (catalog.scenarios.includes(s.scenario) && !variants.includes(v))
        say(
          path,
          `${s.scenario} has no variant "${v}"${didYouMean(v, variants)}; variants: ${variants.join(', ') || 'none'}`,
        );
    };
    if (s.variant !== undefined) variant(s.variant, ['steps', i, 'variant']);
    let compare: Compare | undefined;
    if (s.compare !== undefined) {
      const c = parseCompare(s.compare);
      if (typeof c === 'string') say(['steps', i, 'compare'], c);
      else {
        compare = c;
        if (c.kind === 'variant') variant(c.variant, ['steps', i, 'compare']);
      }
    }
    return {
      scenario: s.scenario,
      say: s.say.trim(),
      ...(s.seed === undefined ? {} : { seed: s.seed }),
      ...(s.variant === undefined ? {} : { variant: s.variant }),
      ...(s.set === undefined ? {} : { set: s.set }),
      ...(compare === undefined ? {} : { compare }),
      ...(s.at === undefined ? {} : { at: s.at }),
    };
  });
  if (problems.length > 0) throw new WorkshopError(byPosition(problems));
  const w = parsed.data;
  return {
    name: w.name,
    title: w.title,
    ...(w.description === undefined ? {} : { description: w.description }),
    steps,
  };
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let v = root;
  for (const k of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

/** Problems in the order of their lines and columns in the file. */
function byPosition(problems: readonly string[]): string[] {
  const key = (p: string) => {
    const m = /:(\d+):(\d+): /.exec(p);
    return m === null ? [0, 0] : [Number(m[1]), Number(m[2])];
  };
  return [...problems].sort((a, b) => {
    const [la, ca] = key(a) as [number, number];
    const [lb, cb] = key(b) as [number, number];
    return la - lb || ca - cb;
  });
}
