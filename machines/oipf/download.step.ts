/**
 * The download machine's pure steps, as the manager takes them (one download record per event).
 *
 * The initial step is xstate's `initialTransition` without its per-call actor: 10 000 registrations are 10 000
 * initial transitions, and xstate's helper builds an inert actor scope — a whole `Actor` that computes an initial
 * snapshot of its own, plus two actor systems — only to collect the actions. That was most of the time and of the
 * garbage of a registration (52 KB allocated per registration at 10 000 downloads). Here the inert actor and its
 * system are built once; each call gets a fresh scope object around them whose `actionExecutor` collects that call's
 * actions, exactly as xstate's helper does. Nothing is shared between calls but that never-started actor: the
 * download machine has no children, no delayed events and no `systemId`, so no call registers anything.
 *
 * Every later step is the machine compiled once into its step table (`../stepper.ts`): per state and event, the
 * candidate transitions with their actions and target laid out, so a step is a lookup, the guards in order and the
 * actions over the context — what xstate's `transition` decides, without recomputing the state nodes, exit and entry
 * sets and value at every event (it was a tenth of the manager's event-loop time per 1 MiB object).
 * `download.step.test.ts` checks both against xstate's own helpers, on every state of the test paths with every event
 * and on generated event sequences.
 *
 * @module
 */
import { type AnyActorScope, createActor } from 'xstate';
import { compileStepper, type StepAction, type StepResult, type StepState } from '../stepper.js';
import { oipfDownloadMachine } from './download.machine.js';
import type { OipfDownloadContext, OipfDownloadEvent, OipfDownloadInput } from './download.types.js';

/** A download's state after a step: its value, context and whether it is done (removed). */
export type DownloadStepResult = StepResult<OipfDownloadContext>;

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

/** The download machine's initial state for `input` and the actions its entry requests (like `initialTransition`). */
export function initialDownloadStep(input: OipfDownloadInput): [DownloadStepResult, StepAction[]] {
  const actions: { type: string; params?: unknown }[] = [];
  const snapshot = oipfDownloadMachine.getInitialSnapshot(scopeCollecting(actions), input);
  return [
    {
      value: snapshot.value,
      context: snapshot.context,
      status: snapshot.status === 'done' ? 'done' : 'active',
    },
    actions.map((action) => ({ type: action.type, params: action.params })),
  ];
}

/** The download machine, compiled once into its step table. */
const STEP = compileStepper<OipfDownloadContext, OipfDownloadEvent>(oipfDownloadMachine);

/** The download machine's next state for `event` and the actions it requests (what xstate's `transition` gives). */
export function downloadStep(
  state: StepState<OipfDownloadContext>,
  event: OipfDownloadEvent,
): [DownloadStepResult, StepAction[]] {
  return STEP(state, event);
}
