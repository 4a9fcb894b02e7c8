/**
 * The setup of the OIPF DAE download-manager machine: its types, the effect actions (the port, each
 * tagged with the download id), the step actions that run a pure manager step and enqueue its
 * outputs in order, and the guards, each calling the `decide*` function the synchronous DAE API uses.
 *
 * @module
 */
import { assign, enqueueActions, setup } from 'xstate';
import type { ClauseMeta } from '../clauses.js';
import { RESERVE } from './constants.js';
import {
  decidePause,
  decideRegister,
  decideRemove,
  decideResume,
  decideUpdate,
  refusalOf,
} from './manager.logic.js';
import {
  rebalance,
  stepAdapterEvent,
  stepPause,
  stepRegister,
  stepRemove,
  stepReservation,
  stepReserve,
  stepResume,
  stepUpdate,
} from './manager.step.js';
import { decideReserve } from './manager.storage.js';
import type {
  ManagerEffectRequest,
  ManagerStep,
  OipfManagerContext,
  OipfManagerEffects,
  OipfManagerEmitted,
  OipfManagerEvent,
  OipfManagerInput,
} from './manager.types.js';

/** The part of xstate's action enqueuer a pure step needs (its full generic type adds nothing here). */
type Enqueue = {
  assign: (f: () => Partial<OipfManagerContext>) => void;
  emit: (event: OipfManagerEmitted) => void;
  (action: { type: string; params: object }): void;
};

/** Enqueues a pure step's outputs as this machine's actions: the context first, then effects and notifications in order. */
function flush(enqueue: Enqueue, step: ManagerStep): void {
  enqueue.assign(() => step.context);
  for (const output of step.out) {
    if (output.kind === 'emit') enqueue.emit(output.event);
    else enqueue({ type: output.effect.type, params: output.effect.params });
  }
}

/** A pure step of the manager chart: the context and event in, the next context and its outputs out. */
export type ManagerStepFunction = (context: OipfManagerContext, event: OipfManagerEvent) => ManagerStep;

/** A pure guard of the manager chart. */
export type ManagerGuardFunction = (context: OipfManagerContext, event: OipfManagerEvent) => boolean;

/** A step for one event type (any other leaves the context as it is and requests nothing). */
function forEvent<T extends OipfManagerEvent['type']>(
  type: T,
  run: (context: OipfManagerContext, event: Extract<OipfManagerEvent, { type: T }>) => ManagerStep,
): ManagerStepFunction {
  return (context, event) =>
    event.type === type
      ? run(context, event as Extract<OipfManagerEvent, { type: T }>)
      : { context, out: [] };
}

/**
 * The pure step behind each step action of the chart, by action name: what the chart's `enqueueActions` blocks run
 * (below), and what `managerTransition` (manager.run.ts) runs for the same action name without an actor.
 */
export const MANAGER_STEPS = Object.freeze({
  rebalanceSlots: (context) => rebalance({ context, out: [] }),
  applyRegister: forEvent('APP.REGISTER', stepRegister),
  applyPause: forEvent('APP.PAUSE', stepPause),
  applyResume: forEvent('APP.RESUME', stepResume),
  applyUpdate: forEvent('APP.UPDATE_URL', stepUpdate),
  applyRemove: forEvent('APP.REMOVE', stepRemove),
  applyReserve: forEvent('APP.RESERVE', stepReserve),
  applyReservationChange: forEvent('OITF.RESERVATION_CHANGED', (context, event) =>
    stepReservation(context, event.orgId, Math.max(0, event.bytes)),
  ),
  forwardToDownload: stepAdapterEvent,
  refuse: (context, event) => ({ context: { ...context, lastResult: refusalOf(context, event) }, out: [] }),
} satisfies Record<string, ManagerStepFunction>);

/** The chart's guards, by name (the decide* functions the synchronous DAE API uses). */
export const MANAGER_GUARDS = Object.freeze({
  isHbbtv: (context) => context.profile === 'hbbtv',
  registerAccepted: (context, event) =>
    event.type === 'APP.REGISTER' && decideRegister(context, event) !== undefined,
  pauseAccepted: (context, event) => event.type === 'APP.PAUSE' && decidePause(context, event),
  resumeAccepted: (context, event) => event.type === 'APP.RESUME' && decideResume(context, event),
  updateAccepted: (context, event) => event.type === 'APP.UPDATE_URL' && decideUpdate(context, event),
  removeAccepted: (context, event) => event.type === 'APP.REMOVE' && decideRemove(context, event),
  reserveGranted: (context, event) =>
    event.type === 'APP.RESERVE' && decideReserve(context, event) === RESERVE.RESERVE_OK,
} satisfies Record<string, ManagerGuardFunction>);

/** An action that runs a pure step and enqueues its outputs. */
function stepAction(run: ManagerStepFunction) {
  return enqueueActions<
    OipfManagerContext,
    OipfManagerEvent,
    undefined,
    OipfManagerEvent,
    never,
    ManagerEffectRequest,
    never,
    never,
    OipfManagerEmitted
  >(({ context, event, enqueue }) => {
    flush(enqueue as unknown as Enqueue, run(context, event));
  });
}

/** A guard of the table, as xstate calls it. */
const guard =
  (test: ManagerGuardFunction) =>
  ({ context, event }: { context: OipfManagerContext; event: OipfManagerEvent }) =>
    test(context, event);

/** The manager's setup: types, effect actions (the port), step actions and the decide* guards. */
export const oipfManagerSetup = setup({
  types: {
    context: {} as OipfManagerContext,
    events: {} as OipfManagerEvent,
    input: {} as OipfManagerInput,
    emitted: {} as OipfManagerEmitted,
    meta: {} as ClauseMeta,
  },
  actions: {
    startTransfer: (_args, _params: OipfManagerEffects['startTransfer']) => {},
    stopTransfer: (_args, _params: OipfManagerEffects['stopTransfer']) => {},
    deleteData: (_args, _params: OipfManagerEffects['deleteData']) => {},
    startTimer: (_args, _params: OipfManagerEffects['startTimer']) => {},
    cancelTimer: (_args, _params: OipfManagerEffects['cancelTimer']) => {},
    verifyContent: (_args, _params: OipfManagerEffects['verifyContent']) => {},
    cancelVerification: (_args, _params: OipfManagerEffects['cancelVerification']) => {},
    fetchDescriptor: (_args, _params: OipfManagerEffects['fetchDescriptor']) => {},
    rebalanceSlots: stepAction(MANAGER_STEPS.rebalanceSlots),
    applyRegister: stepAction(MANAGER_STEPS.applyRegister),
    applyPause: stepAction(MANAGER_STEPS.applyPause),
    applyResume: stepAction(MANAGER_STEPS.applyResume),
    applyUpdate: stepAction(MANAGER_STEPS.applyUpdate),
    applyRemove: stepAction(MANAGER_STEPS.applyRemove),
    applyReserve: stepAction(MANAGER_STEPS.applyReserve),
    applyReservationChange: stepAction(MANAGER_STEPS.applyReservationChange),
    forwardToDownload: stepAction(MANAGER_STEPS.forwardToDownload),
    // An assign (no effects, no notifications): the refusal's DAE return value only.
    refuse: assign({ lastResult: ({ context, event }) => refusalOf(context, event) }),
  },
  guards: {
    isHbbtv: guard(MANAGER_GUARDS.isHbbtv),
    registerAccepted: guard(MANAGER_GUARDS.registerAccepted),
    pauseAccepted: guard(MANAGER_GUARDS.pauseAccepted),
    resumeAccepted: guard(MANAGER_GUARDS.resumeAccepted),
    updateAccepted: guard(MANAGER_GUARDS.updateAccepted),
    removeAccepted: guard(MANAGER_GUARDS.removeAccepted),
    reserveGranted: guard(MANAGER_GUARDS.reserveGranted),
  },
});
