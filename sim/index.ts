/** parley's engine: the public API. Pure; runs unchanged in Node, a page and a worker. */
export {
  type AgentRuntime,
  type AgentStatus,
  STEP_EFFECTS_MAX,
  StepLimitError,
  stateKeyOf,
} from './agent.ts';
export {
  CHECKER_NAMES,
  CHECKERS,
  type Checker,
  type CheckerName,
  check,
  DEFAULT_CHECKS,
  type Judged,
  type Judgement,
  judge,
  RunView,
  type Verdict,
  valueKey,
  viewOf,
} from './checkers/index.ts';
export { Cost, type CostAgent, type CostSpec, type RateLimit, type SpendRefusal } from './cost.ts';
export {
  act,
  ask,
  broadcast,
  cancelTimer,
  type Delivered,
  decide,
  type Effect,
  forge,
  hold,
  type Message,
  note,
  propose,
  random,
  randomInt,
  read,
  send,
  setTimer,
  spend,
} from './effects.ts';
export {
  compileMachine,
  ENGINE_CHOICES,
  type EngineChoice,
  FastPathError,
} from './fast/index.ts';
export { Sha256, sha256Hex } from './hash.ts';
export {
  type ChatMessage,
  defaultModelHost,
  MODEL_DEFAULTS,
  type ModelFailure,
  type ModelHost,
  ModelHostError,
  type ModelRecord,
  type ModelReply,
  type ModelRequest,
  type ModelSpec,
  recordedModelHost,
  replyProblem,
  requestHash,
  schemaProblem,
  setModelHostFactory,
} from './models.ts';
export { LATENCY_CAP_TICKS, sampleLatency } from './network.ts';
export {
  clip,
  defaultProcessHost,
  hasProcessAgents,
  INIT_MSG_ID,
  PARLEY_EFFECTS,
  PROCESS_DEFAULTS,
  PROCESS_PROTOCOL,
  type ProcessFault,
  type ProcessFaultReason,
  type ProcessHost,
  ProcessHostError,
  type ProcessStep,
  recordedHost,
  setProcessHostFactory,
} from './programs.ts';
export { EventQueue, type Queued } from './queue.ts';
export { stopSentence, troubleLines } from './report.ts';
export { checkSeed, deriveStream, SEED_MAX, Stream } from './rng.ts';
export {
  formatProblem,
  type LoadedScenario,
  type LoadOptions,
  type LoadProblem,
  loadScenario,
  parseOverride,
  type Registry,
  type ScenarioFile,
  ScenarioLoadError,
  scenarioFromManifest,
  scenarioJsonSchema,
} from './scenario/index.ts';
export {
  type AgentOutcome,
  createSimulation,
  type Decision,
  InvariantError,
  type RunResult,
  runScenario,
  type Simulation,
  type SimulationOptions,
} from './simulation.ts';
export {
  AGENTS_MAX,
  type AgentInput,
  type AgentSpec,
  type CheckSpec,
  type ChooseLatency,
  type DurationDistribution,
  type FaultSpec,
  type FixedFaultSpec,
  isRandomFault,
  type Json,
  type Latency,
  LIMITS_DEFAULTS,
  LINK_DEFAULTS,
  type Limits,
  type LinkOverride,
  type LinkSpec,
  type NetworkSpec,
  type ParamSpec,
  type ParamSpecs,
  type ProcessSpec,
  type Protocol,
  RANDOM_FAULT_KINDS,
  type RandomFaultSpec,
  type Scenario,
  type Scheduler,
  TICK_MAX,
} from './spec.ts';
export { keyMoments, type Moment, type MomentKind, storyLines } from './story.ts';
export {
  type DropReason,
  KIND_NAMES,
  Kind,
  type KindName,
  type Manifest,
  type StopReason,
  TRACE_FORMAT,
  Trace,
  type TraceRecord,
} from './trace.ts';
export {
  type ApprovalSpec,
  type CapabilitySpec,
  type GatewaySpec,
  type Mitigations,
  type Provenance,
  type SourceSpec,
  Trust,
  type TrustSpec,
  unionProvenance,
} from './trust.ts';
export { assertValidScenario, type Problem, ScenarioError, scenarioProblems } from './validate.ts';
export { PARLEY_VERSION } from './version.ts';
