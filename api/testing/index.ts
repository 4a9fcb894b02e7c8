/**
 * `dlstate/testing`: model-based testing of your own system against the statecharts — the paths
 * `xstate/graph` derives from each machine (plain data: input, events, expected states), `runPath` to
 * drive any {@link SystemUnderTest} along one, the pure machine as a reference system, and `verifies` to
 * name the clauses a test checks. Needs `fast-check` (an optional peer dependency) installed.
 *
 * @module
 */
export {
  checkPath,
  entered,
  type PathCheck,
  PureMachineSystem,
  pathClauses,
  type RequestedAction,
  type StepShape,
  type StepView,
  stepShapes,
} from '../../property-tests/machine-system.js';
export {
  leafStates,
  type ModelPath,
  type ModelPathSet,
  type ModelSnapshot,
  type ModelSpec,
  type ModelStep,
  type ModelVariant,
  modelPaths,
  pathsFor,
  restingStates,
  rowsOf,
  runPath,
  type SystemUnderTest,
  transitionKeys,
} from '../../property-tests/paths.js';
export { MODEL_SPECS } from '../../property-tests/specs.js';
export { clausesInTitle, verifies } from '../../property-tests/verifies.js';
