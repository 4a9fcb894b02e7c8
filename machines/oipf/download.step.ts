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

/**
 * Snapshots {@link initialDownloadStep} and {@link downloadStep} returned, by their context object: the manager keeps
 * a download as plain data (its state value and context, persisted as is), and rebuilding the snapshot from them —
 * xstate's `resolveState`, which finds the state nodes and recomputes the value — was a fifth of a step. A memo, not
 * state: an entry is used only for the very value and context objects it was made with (snapshots are never
 * mutated, and the machine has no history states, so value and context are the whole snapshot), so the result is
 * what `resolveState` returns; a WeakMap, so an entry goes with its context.
 */
const RESOLVED = new WeakMap<object, DownloadSnapshot>();

/** The download machine's initial snapshot for `input` and the actions its entry requests (like `initialTransition`). */
export function initialDownloadStep(input: OipfDownloadInput): [DownloadSnapshot, DownloadActions] {
  const actions: DownloadActions = [];
  const snapshot = oipfDownloadMachine.getInitialSnapshot(scopeCollecting(actions), input);
  RESOLVED.set(snapshot.context, snapshot);
  return [snapshot, actions];
}

/** The snapshot of a download kept as its state value and context (what `resolveState` returns for them). */
export function resolveDownload(
  value: DownloadSnapshot['value'],
  context: DownloadSnapshot['context'],
): DownloadSnapshot {
  const known = RESOLVED.get(context);
  if (known !== undefined && known.value === value) return known;
  return oipfDownloadMachine.resolveState({ value, context });
}

/** The download machine's next snapshot for `event` and the actions it requests (like `transition`). */
export function downloadStep(
  snapshot: DownloadSnapshot,
  event: OipfDownloadEvent,
): [DownloadSnapshot, DownloadActions] {
  const actions: DownloadActions = [];
  const next = oipfDownloadMachine.transition(snapshot, event, scopeCollecting(actions));
  RESOLVED.set(next.context, next);
  return [next, actions];
}
