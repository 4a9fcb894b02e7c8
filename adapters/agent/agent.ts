/**
 * The running DLOTA agent: `dlotaMachine` in an actor whose effect actions are the
 * {@link AgentInterpreter}'s methods, plus what a process adds around a run — the persisted report queue
 * retried at start (DL-INST-12), reconnecting after a lost connection (NETWORK.BACK), and stopping on a
 * signal (USER.PAUSE, else DEVICE.SHUTDOWN) with the kept range and journal on disk so a rerun resumes
 * (seed §5.2.4.2).
 *
 * @module
 */

import { createActor } from 'xstate';
import type { DlotaPort } from '../../generated/dlota.port.js';
import { dlotaMachine } from '../../machines/dlota/download.machine.js';
import type {
  ConfirmationRequest,
  DownloadEvent,
  DownloadOutput,
  PauseCause,
} from '../../machines/dlota/download.types.js';
import { DOWNLOAD_EFFECT_NAMES } from '../../machines/dlota/download.types.js';
import { type DirLock, lockDirectory } from '../storage/dir-lock.js';
import { makeDir } from '../storage/make-dir.js';
import { AgentInterpreter } from './interpreter.js';
import type { Observation } from './observation.js';
import {
  type AgentOptions,
  DEFAULT_MAX_RECONNECTS,
  DEFAULT_RECONNECT_DELAY_MS,
  DEFAULT_SUPPORTED_TYPES,
} from './options.js';
import { deliverQueuedReports, queueReports } from './reports.js';

/** How a run ended. */
export type AgentResult =
  /** The machine reached a final state (done or failed); `installed` lists the committed paths. */
  | { readonly kind: 'finished'; readonly output: DownloadOutput; readonly installed: readonly string[] }
  /** The machine holds a kept range paused (user pause, shutdown, or connection lost too often). */
  | {
      readonly kind: 'paused';
      readonly cause: PauseCause | undefined;
      readonly offset: number;
      readonly length: number;
    }
  /** Stopped by a signal in a state that has no pause (e.g. while fetching the descriptor): nothing to lose. */
  | { readonly kind: 'interrupted'; readonly state: string }
  /** Confirmation was needed but could not be asked: nothing downloaded, nothing reported. */
  | { readonly kind: 'confirmationRequired'; readonly request: ConfirmationRequest };

/** A started run and its controls. */
export interface AgentRun {
  /** Settles when the run ends; rejects only on an internal error. */
  readonly result: Promise<AgentResult>;
  /** Stop the run: `user` (Ctrl-C) pauses if the machine can; `shutdown` (SIGTERM) says the device stops. */
  stop(reason: 'user' | 'shutdown'): void;
  /** The machine state, dotted. */
  state(): string;
}

/** The dotted state path of a snapshot value (`{ retrieving: 'paused' }` → `retrieving.paused`). */
export function statePath(value: unknown): string {
  if (typeof value === 'string') return value;
  return Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${k}.${statePath(v)}`)
    .join(',');
}

/** Starts one run of the agent for `options.ddUrl`: delivers queued reports, then runs the machine. */
export function startAgent(options: AgentOptions): AgentRun {
  const emit = (o: Observation) => {
    if (o.event === 'status') lastStatusCode = o.code;
    options.onObservation?.(o);
  };
  let settle!: (r: AgentResult) => void;
  let reject!: (e: unknown) => void;
  const result = new Promise<AgentResult>((res, rej) => {
    settle = res;
    reject = rej;
  });
  let ended = false;
  let stopping: 'user' | 'shutdown' | undefined;
  let started = false;
  let lastState = '';
  let losses = 0;
  let offsetAtLoss = -1;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let lastStatusCode: number | undefined;

  const host = {
    send: (event: DownloadEvent) => actor.send(event),
    state: () => statePath(actor.getSnapshot().value),
    transfer: () => actor.getSnapshot().context.transfer,
    emit,
    askConfirmation: (request: ConfirmationRequest) => {
      const ask = options.confirm;
      if (!ask) return finish({ kind: 'confirmationRequired', request });
      ask(request).then(
        (answer) => {
          if (answer === undefined) return finish({ kind: 'confirmationRequired', request });
          actor.send({ type: answer ? 'USER.CONFIRMED' : 'USER.DECLINED' });
        },
        (error: unknown) => fatal(error),
      );
    },
    fatal: (error: unknown) => fatal(error),
  };
  const interpreter = new AgentInterpreter(options, host);

  const actions = Object.fromEntries(
    DOWNLOAD_EFFECT_NAMES.map((name) => [
      name,
      (args: { context: AgentInterpreter['context'] }, params: never) => {
        interpreter.context = args.context;
        (interpreter[name] as DlotaPort[typeof name])(params);
      },
    ]),
  );
  const actor = createActor(dlotaMachine.provide({ actions } as never), {
    ...(options.inspect ? { inspect: options.inspect } : {}),
    input: {
      ddUrl: options.ddUrl,
      supportedTypes: options.supportedTypes ?? DEFAULT_SUPPORTED_TYPES,
      preConfirmed: options.preConfirmed ?? false,
      numbering: options.numbering ?? 'seed',
      ...(options.maxReportAttempts === undefined ? {} : { maxReportAttempts: options.maxReportAttempts }),
      ...(options.reportRetryMs === undefined ? {} : { reportRetryMs: options.reportRetryMs }),
      ...(options.resumePolicy === undefined ? {} : { resumePolicy: options.resumePolicy }),
      ...(options.resumeRetryMs === undefined ? {} : { resumeRetryMs: options.resumeRetryMs }),
      ...(options.maxResumeRetries === undefined ? {} : { maxResumeRetries: options.maxResumeRetries }),
      ...(options.maxRetryWaitMs === undefined ? {} : { maxRetryWaitMs: options.maxRetryWaitMs }),
    },
  });

  function fatal(error: unknown): void {
    if (ended) return;
    ended = true;
    interpreter.close();
    actor.stop();
    clearTimeout(reconnectTimer);
    reject(error);
  }

  /** Ends the run once every effect in flight (a final checkpoint, a commit) has finished. */
  function finish(outcome: AgentResult | (() => Promise<AgentResult>)): void {
    if (ended) return;
    ended = true;
    clearTimeout(reconnectTimer);
    const done = async () => {
      await interpreter.idle();
      interpreter.close();
      actor.stop();
      await interpreter.idle();
      const value = typeof outcome === 'function' ? await outcome() : outcome;
      settle(value);
    };
    done().catch(reject);
  }

  function onSnapshot() {
    if (ended) return;
    const snapshot = actor.getSnapshot();
    const state = statePath(snapshot.value);
    const changed = state !== lastState;
    lastState = state;
    if (changed) emit({ event: 'state', state });
    const context = snapshot.context;
    if (snapshot.status === 'done') {
      const output = snapshot.output as DownloadOutput;
      if (lastStatusCode !== output.statusCode)
        emit({
          event: 'status',
          code: output.statusCode,
          text: output.statusLine.slice(4),
          reported: output.reported,
        });
      return finish(async () => {
        await queueReports(options.stateDir, output.pendingReports, emit);
        emit({
          event: 'done',
          code: output.statusCode,
          text: output.statusLine.slice(4),
          installed: output.installed,
          files: interpreter.installed,
          nextURL: output.nextURL ?? null,
        });
        return { kind: 'finished', output, installed: [...interpreter.installed] };
      });
    }
    if (!changed) return;
    if (state === 'retrieving.paused') {
      // Read when the run ends: the checkpoint flushed after the abort (BODY.DURABLE) has moved the offset.
      const paused = (): AgentResult => pausedResult();
      if (options.mode === 'cancel') return void queueMicrotask(() => actor.send({ type: 'USER.CANCEL' }));
      // A temporary server error: the machine asked for a back-off timer; the run waits for it unless stopped.
      if (!stopping && interpreter.timerPending('resumeRetry')) return;
      if (stopping || context.pauseCause !== 'connectionLost') return finish(withPausedObservation(paused));
      // Connection lost with a resumable range: try again after a back-off, bounded, while bytes keep coming.
      if (context.transfer.offset > offsetAtLoss) losses = 0;
      offsetAtLoss = context.transfer.offset;
      losses += 1;
      if (losses > (options.maxReconnects ?? DEFAULT_MAX_RECONNECTS))
        return finish(withPausedObservation(paused));
      const delay = (options.reconnectDelayMs ?? DEFAULT_RECONNECT_DELAY_MS) * 2 ** (losses - 1);
      reconnectTimer = setTimeout(() => actor.send({ type: 'NETWORK.BACK' }), delay);
      return;
    }
    if (options.mode === 'cancel' && state === 'installing') {
      queueMicrotask(() => actor.send({ type: 'USER.CANCEL' }));
      return;
    }
    // Stopping while a report waits for its retry: the machine queues it for the next run.
    if (stopping && state === 'notifying.waitingToRetry') {
      queueMicrotask(() => actor.send({ type: 'DEVICE.SHUTDOWN' }));
    }
  }

  function withPausedObservation(paused: () => AgentResult): () => Promise<AgentResult> {
    return async () => {
      const value = paused();
      if (value.kind === 'paused') {
        emit({
          event: 'paused',
          cause: value.cause ?? 'unknown',
          offset: value.offset,
          length: value.length,
        });
      }
      return value;
    };
  }

  actor.subscribe({ next: onSnapshot, error: (error) => fatal(error) });

  function stop(reason: 'user' | 'shutdown') {
    if (ended || stopping) return;
    stopping = reason;
    clearTimeout(reconnectTimer);
    if (!started) return finish({ kind: 'interrupted', state: 'starting' });
    const state = host.state();
    if (state === 'retrieving.paused') return finish(withPausedObservation(() => pausedResult()));
    if (reason === 'user') actor.send({ type: 'USER.PAUSE' });
    const after = host.state();
    if (ended || after === 'retrieving.paused') return;
    // The machine refused a pause (no Accept-Ranges) or this is SIGTERM: the device is shutting down.
    actor.send({ type: 'DEVICE.SHUTDOWN' });
    const last = host.state();
    if (ended || last === 'retrieving.paused' || last.startsWith('notifying') || last === 'settling') return;
    // No pause here (descriptor, confirmation, install): stop like a crash; the journal keeps what is durable.
    finish({ kind: 'interrupted', state: last });
  }

  function pausedResult(): AgentResult {
    const context = actor.getSnapshot().context;
    return {
      kind: 'paused',
      cause: context.pauseCause,
      offset: context.transfer.offset,
      length: context.transfer.length,
    };
  }

  // One agent per state directory: a second one on the same --state stops here (DirLockedError), before any
  // request, report or file; the kernel frees the lock when this process ends, however it ends.
  let lock: DirLock | undefined;
  const begin = async () => {
    await makeDir(options.stateDir);
    lock = await lockDirectory(options.stateDir, 'agent', 'dlstate agent');
    if (ended) return;
    // DL-INST-12: reports left over by earlier runs go first, then the machine starts.
    await deliverQueuedReports(options.stateDir, emit).catch(() => []);
    if (ended) return;
    started = true;
    actor.start();
  };
  begin().catch((error: unknown) => fatal(error));
  const released = result.finally(() => lock?.release());

  return { result: released, stop, state: () => host.state() };
}
