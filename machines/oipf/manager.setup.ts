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

/** Declares an action that runs a pure step for one event type and enqueues its outputs. */
function stepAction<T extends OipfManagerEvent['type']>(
  type: T,
  run: (context: OipfManagerContext, event: Extract<OipfManagerEvent, { type: T }>) => ManagerStep,
) {
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
    if (event.type === type)
      flush(enqueue as unknown as Enqueue, run(context, event as Extract<OipfManagerEvent, { type: T }>));
  });
}

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
    rebalanceSlots: enqueueActions(({ context, enqueue }) => {
      flush(enqueue as unknown as Enqueue, rebalance({ context, out: [] }));
    }),
    applyRegister: stepAction('APP.REGISTER', stepRegister),
    applyPause: stepAction('APP.PAUSE', stepPause),
    applyResume: stepAction('APP.RESUME', stepResume),
    applyUpdate: stepAction('APP.UPDATE_URL', stepUpdate),
    applyRemove: stepAction('APP.REMOVE', stepRemove),
    applyReserve: stepAction('APP.RESERVE', stepReserve),
    applyReservationChange: stepAction('OITF.RESERVATION_CHANGED', (context, event) =>
      stepReservation(context, event.orgId, Math.max(0, event.bytes)),
    ),
    forwardToDownload: enqueueActions(({ context, event, enqueue }) => {
      flush(enqueue as unknown as Enqueue, stepAdapterEvent(context, event));
    }),
    refuse: assign({ lastResult: ({ context, event }) => refusalOf(context, event) }),
  },
  guards: {
    isHbbtv: ({ context }) => context.profile === 'hbbtv',
    registerAccepted: ({ context, event }) =>
      event.type === 'APP.REGISTER' && decideRegister(context, event) !== undefined,
    pauseAccepted: ({ context, event }) => event.type === 'APP.PAUSE' && decidePause(context, event),
    resumeAccepted: ({ context, event }) => event.type === 'APP.RESUME' && decideResume(context, event),
    updateAccepted: ({ context, event }) => event.type === 'APP.UPDATE_URL' && decideUpdate(context, event),
    removeAccepted: ({ context, event }) => event.type === 'APP.REMOVE' && decideRemove(context, event),
    reserveGranted: ({ context, event }) =>
      event.type === 'APP.RESERVE' && decideReserve(context, event) === RESERVE.RESERVE_OK,
  },
});
