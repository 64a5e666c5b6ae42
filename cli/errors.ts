/** Errors the command line reports in one line with exit code 2 (invalid input), and the words for bugs. Node only. */

export class UsageError extends Error {
  override name = 'UsageError';
}

/** A command-line argument as a shell reads it back: quoted when it holds anything but plain characters. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The `npx parley run` command that reproduces a run: scenario, seed, variant and every override. */
export function reproduceCommand(
  name: string,
  seed: number,
  variant: string | undefined,
  set: readonly string[],
): string {
  return [
    'npx parley run',
    shellWord(name),
    `--seed ${seed}`,
    ...(variant === undefined ? [] : [`--variant ${shellWord(variant)}`]),
    ...set.map((x) => `--set ${shellWord(x)}`),
  ].join(' ');
}

const INVARIANT_OPENING = 'parley: an invariant of the engine broke';

/** The paragraph that reports a broken engine invariant. */
export function invariantParagraph(
  detail: string,
  scenario: string,
  seed: number,
  reproduce: string,
): string {
  return [
    `${INVARIANT_OPENING}, which is a bug in parley or in a protocol: ${detail}.`,
    `  scenario: ${scenario}, seed: ${seed}`,
    `  reproduce: ${reproduce}`,
    '  Please report it with that command.',
  ].join('\n');
}

/**
 * One paragraph for an error that is a bug, never a stack trace: a broken
 * engine invariant names the scenario, the seed and the command that
 * reproduces it (with the variant and overrides of the command that ran);
 * anything else says what happened and how to see the stack.
 */
export function internalErrorText(
  err: unknown,
  running: { name: string; variant?: string | undefined; set: readonly string[] } | undefined,
): string {
  const e = err as { name?: unknown; message?: unknown; stack?: unknown };
  const debug = process.env['PARLEY_DEBUG'] === '1' && typeof e?.stack === 'string';
  // Errors from worker threads arrive as plain errors whose message is already the paragraph.
  if (typeof e?.message === 'string' && e.message.startsWith(INVARIANT_OPENING)) return e.message;
  if (e?.name === 'InvariantError') {
    const inv = err as { detail: string; scenario: string; seed: number };
    const reproduce =
      running === undefined
        ? `npx parley run ${shellWord(inv.scenario)} --seed ${inv.seed}`
        : reproduceCommand(running.name, inv.seed, running.variant, running.set);
    return [
      invariantParagraph(inv.detail, inv.scenario, inv.seed, reproduce),
      ...(debug ? [String(e.stack)] : []),
    ].join('\n');
  }
  const message = e instanceof Error ? e.message : String(err);
  return [
    `parley: an unexpected error, which is a bug in parley: ${message.split('\n')[0]}`,
    ...(running === undefined ? [] : [`  while running: ${running.name}`]),
    debug
      ? String(e.stack)
      : '  Run again with PARLEY_DEBUG=1 to see where it happened, and please report it.',
  ].join('\n');
}
