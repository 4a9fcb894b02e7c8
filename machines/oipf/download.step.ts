/**
 * xstate's pure `initialTransition` / `transition` for the download machine, without their per-call
 * actor: the manager steps one download record per event (10 000 registrations are 10 000 initial
 * transitions), and each of xstate's helpers builds an inert actor scope — a whole `Actor` that
 * computes an initial snapshot of its own, plus two actor systems — only to collect the actions.
 * That was most of the time and of the garbage of a registration (52 KB allocated per registration at
 * 10 000 downloads).
 *
 * Here the inert actor and its system are built once; each call gets a fresh scope object around them
 * whose `actionExecutor` collects that call's actions, exactly as xstate's helpers do. Nothing is shared
 * between calls but that never-started actor: the download machine has no children, no delayed events
 * and no `systemId`, so no call registers anything in the system, and the result is the same pure
 * function of (snapshot, event) — `download.step.test.ts` checks it against xstate's own helpers.
 *
 * @module
 */
import { type AnyActorScope, createActor, type ExecutableActionsFrom } from 'xstate';
import { oipfDownloadMachine } from './download.machine.js';
import type { OipfDownloadEvent, OipfDownloadInput } from './download.types.js';

type DownloadSnapshot = ReturnType<typeof oipfDownloadMachine.resolveState>;
type DownloadActions = ExecutableActionsFrom<typeof oipfDownloadMachine>[];

const noop = (): void => {};
/** The same construction as xstate's createInertActorScope, done once: a never-started actor. */
const INERT = createActor(oipfDownloadMachine, {
  input: { id: '', url: '', priority: 0, totalSize: undefined, profile: 'oipf' },
});

/** A scope like xstate's inert one (never started, effects not executed) that collects actions into `into`. */
function scopeCollecting(into: unknown[]): AnyActorScope {
  return {
    self: INERT,
    system: INERT.system,
    id: '',
    sessionId: '',
    logger: noop,
    defer: noop,
    emit: noop,
    stopChild: noop,
    actionExecutor: (action) => {
      into.push(action);
    },
  };
}

/** The download machine's initial snapshot for `input` and the actions its entry requests (like `initialTransition`). */
export function initialDownloadStep(input: OipfDownloadInput): [DownloadSnapshot, DownloadActions] {
  const actions: DownloadActions = [];
  const snapshot = oipfDownloadMachine.getInitialSnapshot(scopeCollecting(actions), input);
  return [snapshot, actions];
}

/** The download machine's next snapshot for `event` and the actions it requests (like `transition`). */
export function downloadStep(
  snapshot: DownloadSnapshot,
  event: OipfDownloadEvent,
): [DownloadSnapshot, DownloadActions] {
  const actions: DownloadActions = [];
  const next = oipfDownloadMachine.transition(snapshot, event, scopeCollecting(actions));
  return [next, actions];
}
