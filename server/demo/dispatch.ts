/**
 * Demo dispatch data for the demo city (parameters in data/demo-dispatch.json), deterministic from a seed, one
 * module per step under dispatch/: params.ts (parameters, options, summary), city.ts (the city read back from the
 * database), library.ts (the responsibility library), reports.ts (planning a year of reports) and the replay
 * through the real intake and workflow code: replay.ts (the loop), timeline.ts (simulated cases, event queue,
 * actors, working time), steps.ts (one workflow step each) and summary.ts (the figures afterwards).
 */
export {
  DISPATCH_PARAMS,
  type DemoDispatchOptions,
  type DemoDispatchSummary,
  type DispatchParams,
} from './dispatch/params.js';
export { loadDemoLibrary, type DemoLibraryCounts } from './dispatch/library.js';
export { loadDemoDispatch } from './dispatch/replay.js';
