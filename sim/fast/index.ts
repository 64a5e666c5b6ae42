/** The fast path: protocol machines compiled into direct steppers, checked against xstate trace for trace. */
export { compileMachine, FastMachine, type Unsupported } from './compile.ts';
export {
  ENGINE_CHOICES,
  type EngineChoice,
  FastPathError,
  fastProtocol,
  machineFor,
} from './engine.ts';
export { FastSnapshot } from './step.ts';
