/**
 * What the commands use beyond main.ts's own light imports, loaded in one
 * import by the first command that needs it: `parley --version`, `help` and
 * `list` start without the scenario loader and the engine, and the others
 * load them as one piece (the build has 22 modules so, against 56 with an
 * import per command module; `parley run` started as fast either way).
 * Node only.
 */
export { PROTOCOLS, SCHEDULERS } from '../scenarios/protocols/index.ts';
export { scheduleChooser } from '../sim/explore.ts';
export { shivizLines, traceSvgLines } from '../sim/export/index.ts';
export {
  judge,
  runScenario,
  scenarioJsonSchema,
  stopSentence,
  troubleLines,
  viewOf,
} from '../sim/index.ts';
export { formatProblem, ScenarioLoadError } from '../sim/scenario/load.ts';
export { keyMoments, storyLines } from '../sim/story.ts';
export { catalogModels } from './cassettes.ts';
export {
  catalogDescription,
  lessonOf,
  loadNamed,
  prepareNamed,
  scenarioYaml,
} from './catalog.ts';
export { checkDeterminism } from './determinism.ts';
export { diff } from './diff.ts';
export { exploreCommand, runSchedule, scheduleFlags } from './explore.ts';
export { merge } from './merge.ts';
export {
  cassetteHost,
  NodeModelHost,
  readCassette,
  registerModelHost,
  registerModelHostFor,
  registerModelHostForTrace,
} from './model-host.ts';
export { newProtocol } from './new-protocol.ts';
export { hostsMade, programStderr, registerProcessHost } from './process-host.ts';
export { prepareTrace, rebaseProtocolPaths } from './protocol-files.ts';
export { replay } from './replay.ts';
export { shrink } from './shrink.ts';
export { sweep } from './sweep.ts';
export { readTrace } from './trace-file.ts';
