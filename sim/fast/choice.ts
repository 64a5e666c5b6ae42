/**
 * The engine choice and its error, apart from the compiler so that the
 * command line can offer `--engine` without loading it. No imports.
 */

/** How agents are stepped: xstate always, the fast path always, or the fast path where it compiles. */
export type EngineChoice = 'xstate' | 'fast' | 'auto';

export const ENGINE_CHOICES: readonly EngineChoice[] = ['xstate', 'fast', 'auto'];

/** Thrown when the fast path is forced for a protocol it cannot compile. */
export class FastPathError extends Error {
  constructor(
    readonly protocol: string,
    readonly reason: string,
  ) {
    super(
      `protocol ${protocol} cannot run on the fast path: it uses ${reason}; run it with --engine auto or xstate`,
    );
    this.name = 'FastPathError';
  }
}
