/** Choosing, per protocol, between xstate and the compiled fast path. */
import type { AnyStateMachine } from 'xstate';
import type { Protocol } from '../spec.ts';
import { type EngineChoice, FastPathError } from './choice.ts';
import { compileMachine, FastMachine } from './compile.ts';

export { ENGINE_CHOICES, type EngineChoice, FastPathError } from './choice.ts';

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
