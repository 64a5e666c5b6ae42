/** Choosing, per protocol, between xstate and the compiled fast path. */
import type { AnyStateMachine } from 'xstate';
import type { Protocol } from '../spec.ts';
import { compileMachine, FastMachine } from './compile.ts';

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

/**
 * The machine the engine steps for `protocol` under `engine`: its xstate
 * machine, or the compiled one (typed as the xstate machine it stands in
 * for: the engine calls the same two methods and reads the same snapshot
 * fields). Throws FastPathError for `fast` when the machine does not
 * compile. Pure; compiled machines are cached.
 */
export function machineFor(protocol: Protocol, engine: EngineChoice): AnyStateMachine {
  if (engine === 'xstate') return protocol.machine;
  const compiled = compileMachine(protocol.machine);
  if (compiled instanceof FastMachine) return compiled as unknown as AnyStateMachine;
  if (engine === 'fast') throw new FastPathError(protocol.name, compiled.unsupported);
  return protocol.machine;
}

/** A copy of `protocol` stepped on the fast path, or why it cannot be. */
export function fastProtocol(protocol: Protocol): Protocol | { readonly unsupported: string } {
  const compiled = compileMachine(protocol.machine);
  if (!(compiled instanceof FastMachine)) return compiled;
  return { ...protocol, machine: compiled as unknown as AnyStateMachine };
}
