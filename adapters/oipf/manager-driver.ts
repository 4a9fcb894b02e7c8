/**
 * How the running manager steps its chart, one event at a time: `managerTransition` (machines/oipf/manager.run.ts,
 * the chart's own guards and steps without an actor), or — when an inspector is attached (`--inspect`) — an xstate
 * actor of the same chart, so the inspector sees its snapshots and events. Both hand the host the same effects and
 * the same notifications, each kind in the same order (manager.run.test.ts checks the chart's order against xstate's
 * `transition`). An actor delivers a step's notifications after its effects; the host does not depend on that
 * interleaving (notifications are dispatched later, in a microtask). An event sent while the outputs of another are
 * being performed waits its turn, as in an actor's mailbox.
 *
 * Nothing here decides anything: outputs go to `perform` as the chart requested them.
 *
 * @module
 */
import { createActor, type InspectionEvent } from 'xstate';
import {
  type ManagerOutput,
  type ManagerState,
  managerStart,
  managerTransition,
  type OipfManagerContext,
  type OipfManagerEvent,
  type OipfManagerInput,
  oipfManagerMachine,
} from '../../machines/oipf/index.js';

/** What the driver calls back. */
export interface DriverHooks {
  /** Performs one output (an effect request or a notification), in the order the chart gave them. */
  perform(output: ManagerOutput): void;
  /** After the start and after each event's outputs were performed. */
  stepped(): void;
  /** An event the chart could not step, or an output that threw: reported, and the next event is taken. */
  onError(error: unknown): void;
}

/** The manager chart, running. */
export interface ManagerDriver {
  /** The context after the last event. */
  readonly context: OipfManagerContext;
  /** Performs what the chart's start requests (once; the context is readable before). */
  start(): void;
  send(event: OipfManagerEvent): void;
  stop(): void;
}

/** Runs the manager chart for `input`; with `inspect`, as an xstate actor the inspector observes. */
export function driveManager(
  input: OipfManagerInput,
  hooks: DriverHooks,
  inspect?: (event: InspectionEvent) => void,
): ManagerDriver {
  return inspect === undefined ? new TransitionDriver(input, hooks) : actorDriver(input, hooks, inspect);
}

/** `managerTransition` with a mailbox. */
class TransitionDriver implements ManagerDriver {
  readonly #hooks: DriverHooks;
  readonly #mailbox: OipfManagerEvent[] = [];
  #state: ManagerState;
  #startOutputs: readonly ManagerOutput[] | undefined;
  #busy = false;
  #stopped = false;

  constructor(input: OipfManagerInput, hooks: DriverHooks) {
    this.#hooks = hooks;
    [this.#state, this.#startOutputs] = managerStart(input);
  }

  start(): void {
    const out = this.#startOutputs;
    if (out === undefined) return;
    this.#startOutputs = undefined;
    this.#perform(out);
    this.#hooks.stepped();
  }

  get context(): OipfManagerContext {
    return this.#state.context;
  }

  send(event: OipfManagerEvent): void {
    if (this.#stopped) return;
    this.#mailbox.push(event);
    if (this.#busy) return;
    this.#busy = true;
    try {
      // Bounded by the events sent: each is taken once (one sent while performing is appended and taken after).
      for (let i = 0; i < this.#mailbox.length && !this.#stopped; i += 1) {
        let out: ManagerOutput[];
        try {
          [this.#state, out] = managerTransition(this.#state, this.#mailbox[i]!);
        } catch (error) {
          this.#hooks.onError(error);
          continue;
        }
        this.#perform(out);
        this.#hooks.stepped();
      }
    } finally {
      this.#mailbox.length = 0;
      this.#busy = false;
    }
  }

  #perform(out: readonly ManagerOutput[]): void {
    for (const output of out) {
      try {
        this.#hooks.perform(output);
      } catch (error) {
        this.#hooks.onError(error);
      }
    }
  }

  stop(): void {
    this.#stopped = true;
  }
}

/** The chart as an xstate actor (for an inspector): its actions and emitted events become the same outputs. */
function actorDriver(
  input: OipfManagerInput,
  hooks: DriverHooks,
  inspect: (event: InspectionEvent) => void,
): ManagerDriver {
  const effect =
    <T extends keyof typeof oipfManagerMachine.implementations.actions>(type: T) =>
    (_args: unknown, params: unknown) =>
      hooks.perform({ kind: 'effect', effect: { type, params } as never });
  const machine = oipfManagerMachine.provide({
    actions: {
      startTransfer: effect('startTransfer'),
      stopTransfer: effect('stopTransfer'),
      deleteData: effect('deleteData'),
      startTimer: effect('startTimer'),
      cancelTimer: effect('cancelTimer'),
      verifyContent: effect('verifyContent'),
      cancelVerification: effect('cancelVerification'),
      fetchDescriptor: effect('fetchDescriptor'),
    },
  });
  const actor = createActor(machine, { inspect, input });
  actor.on('STATE_CHANGED', (event) => hooks.perform({ kind: 'emit', event }));
  actor.on('REMOVED', (event) => hooks.perform({ kind: 'emit', event }));
  actor.subscribe({ next: () => hooks.stepped(), error: (error) => hooks.onError(error) });
  return {
    start: () => actor.start(),
    get context() {
      return actor.getSnapshot().context;
    },
    send: (event) => actor.send(event),
    stop: () => actor.stop(),
  };
}
