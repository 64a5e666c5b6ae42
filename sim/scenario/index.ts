/** Scenario files: the schema, loading with positions, overrides. Pure. */
export {
  formatProblem,
  type LoadedScenario,
  type LoadOptions,
  type LoadProblem,
  loadScenario,
  parseOverride,
  type Registry,
  SCENARIO_DEPTH_MAX,
  SCENARIO_TEXT_MAX,
  ScenarioLoadError,
} from './load.ts';
export { scenarioFromManifest } from './manifest.ts';
export {
  PARAM_REPEATS_MAX,
  PARAM_ROUNDS_MAX,
  PARAM_TICKS_MAX,
  PARAM_VALUE_MAX,
  PARAM_WORK_MAX,
  paramProblems,
  paramTable,
  paramValueProblems,
  sharedParamsFor,
} from './params.ts';
export {
  isProtocolPath,
  type ProtocolPathOptions,
  type ProtocolPathUse,
  protocolPathsIn,
} from './protocol-paths.ts';
export { type ScenarioFile, scenarioFileSchema, scenarioJsonSchema } from './schema.ts';
export { closest, didYouMean, editDistance } from './suggest.ts';
