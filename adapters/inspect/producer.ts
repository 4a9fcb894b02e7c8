/**
 * The producer side: an XState `inspect` observer that turns inspection events into small
 * {@link InspectMessage}s and sends them to a relay, over a WebSocket or in-process.
 *
 * Why XState's own `inspect` option and not `@statelyai/inspect`: XState calls it synchronously and
 * includes `@xstate.microstep` with the transitions taken (their `meta` carries the clause ids), while
 * `@statelyai/inspect` delivers a tick late and drops microsteps. The relay still accepts a
 * `@statelyai/inspect` producer (`createWebSocketInspector({ url })`) for tools that already use it.
 *
 * A producer never fails the run it watches: an unreachable relay is reported once through `onError`
 * and messages are then dropped. Its socket does not keep the process alive once everything is written,
 * so a CLI run ends as it would without `--inspect`.
 *
 * @module
 */
import { connect, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import { stateId } from '../../machines/describe.js';
import { type InspectMessage, machineKeyOf, stateIdsOf, type TransitionTaken } from './protocol.js';

/** Something that takes messages in-process (a relay started in the same process). */
export interface InspectSink {
  publish(message: InspectMessage): void;
}

/** A running producer. */
export interface Inspector {
  /** Pass as `createActor(machine, { inspect })`. */
  readonly inspect: (event: InspectionEvent) => void;
  /** Sends what is queued and closes the connection. */
  close(): Promise<void>;
}

/** Options of {@link createInspector}. */
export interface InspectorOptions {
  /** Called once if the relay cannot be reached or the connection fails. @default writes one line to stderr */
  readonly onError?: (error: Error) => void;
  /** Messages kept while the socket connects (older ones are dropped). @default 10000 */
  readonly maxQueued?: number;
}

/** Where a producer sends: a `ws://127.0.0.1:PORT/inspect` URL or an in-process relay. */
export type InspectTarget = string | InspectSink;

type Logic = { id?: string; root?: unknown };

/** Child actors the OIPF manager keeps as plain data (`context.downloads[i].value`), shown as actors too. */
interface DownloadsContext {
  readonly downloads?: Iterable<{ readonly id?: unknown; readonly value?: unknown }>;
}

/** The clause ids in a transition's meta. */
function clausesOf(meta: unknown): string[] {
  const clauses = (meta as { clauses?: unknown } | undefined)?.clauses;
  return Array.isArray(clauses) ? clauses.filter((c): c is string => typeof c === 'string') : [];
}

/** A transition definition as the microstep event carries it, reduced to ids. */
function transitionTaken(t: {
  source: { path: readonly string[] };
  eventType: string;
  target?: readonly { path: readonly string[] }[] | undefined;
  meta?: unknown;
}): TransitionTaken {
  return {
    source: stateId(t.source),
    event: t.eventType ?? '',
    targets: (t.target ?? []).map((n) => stateId(n)),
    clauses: clausesOf(t.meta),
  };
}

/** Whether an actor runs a state machine (children may be promises, callbacks…). */
function isMachine(actorRef: AnyActorRef): boolean {
  const logic = (actorRef as unknown as { logic?: Logic }).logic;
  return typeof logic?.id === 'string' && logic.root !== undefined;
}

/** Turns XState inspection events into messages and hands them to `send`, synchronously. */
export function inspectionTranslator(
  send: (message: InspectMessage) => void,
): (event: InspectionEvent) => void {
  const pending = new Map<string, TransitionTaken[]>();
  const known = new Map<string, string>();
  const virtual = new Map<string, string>();
  const machineIdOf = (actorRef: AnyActorRef): string | undefined => {
    const cached = known.get(actorRef.sessionId);
    if (cached !== undefined) return cached;
    if (!isMachine(actorRef)) return undefined;
    const logic = (actorRef as unknown as { logic: { id: string } }).logic;
    const id = machineKeyOf(logic);
    known.set(actorRef.sessionId, id);
    const parentId = (actorRef as unknown as { _parent?: AnyActorRef })._parent?.sessionId;
    send({ type: 'actor', machineId: id, sessionId: actorRef.sessionId, ...(parentId ? { parentId } : {}) });
    return id;
  };
  const downloads = (sessionId: string, context: unknown, eventType: string) => {
    // The manager's downloads are an index (iterable in registration order), older snapshots an array.
    const held = (context as DownloadsContext | undefined)?.downloads;
    const list = held !== null && typeof held === 'object' && Symbol.iterator in held ? [...held] : undefined;
    if (list === undefined) return;
    for (const d of list) {
      if (typeof d?.id !== 'string' || d.value === undefined) continue;
      const child = `${sessionId}/download/${d.id}`;
      const ids = stateIdsOf(d.value);
      const key = ids.join(',');
      if (virtual.get(child) === key) continue;
      if (!virtual.has(child)) {
        send({
          type: 'actor',
          machineId: 'oipf-download',
          sessionId: child,
          parentId: sessionId,
          label: `download ${d.id}`,
        });
      }
      virtual.set(child, key);
      send({
        type: 'snapshot',
        machineId: 'oipf-download',
        sessionId: child,
        parentId: sessionId,
        stateIds: ids,
        event: { type: eventType },
        transitions: [],
      });
    }
  };
  return (event) => {
    const actorRef = event.actorRef as AnyActorRef;
    if (event.type === '@xstate.actor') {
      machineIdOf(actorRef);
      return;
    }
    if (event.type === '@xstate.microstep') {
      if (machineIdOf(actorRef) === undefined) return;
      const list = pending.get(actorRef.sessionId) ?? [];
      for (const t of event._transitions) list.push(transitionTaken(t as never));
      pending.set(actorRef.sessionId, list);
      return;
    }
    if (event.type !== '@xstate.snapshot') return;
    const machineId = machineIdOf(actorRef);
    if (machineId === undefined) return;
    const snapshot = event.snapshot as { value?: unknown; status?: string; context?: unknown };
    const transitions = pending.get(actorRef.sessionId) ?? [];
    pending.delete(actorRef.sessionId);
    const parentId = (actorRef as unknown as { _parent?: AnyActorRef })._parent?.sessionId;
    send({
      type: 'snapshot',
      machineId,
      sessionId: actorRef.sessionId,
      ...(parentId ? { parentId } : {}),
      stateIds: stateIdsOf(snapshot.value),
      ...(snapshot.status === undefined ? {} : { status: snapshot.status }),
      event: { type: String(event.event?.type ?? '') },
      transitions,
    });
    // The OIPF manager keeps its downloads as data, not actors: show each as an oipf-download actor.
    if (machineId === 'oipf-manager')
      downloads(actorRef.sessionId, snapshot.context, String(event.event?.type ?? ''));
  };
}

/** Creates a producer sending to `target` (see the module comment for why XState's own `inspect`). */
export function createInspector(target: InspectTarget, options: InspectorOptions = {}): Inspector {
  if (typeof target !== 'string') {
    return { inspect: inspectionTranslator((m) => target.publish(m)), close: async () => {} };
  }
  const url = new URL(target);
  if (url.protocol !== 'ws:') throw new Error(`an inspect URL is ws://host:port/path, got ${target}`);
  const onError =
    options.onError ?? ((error: Error) => process.stderr.write(`dlstate: inspector: ${error.message}\n`));
  const maxQueued = options.maxQueued ?? 10_000;
  const queue: string[] = [];
  let failed = false;
  let closed = false;
  let writing = 0;
  let socket: Socket | undefined;
  const ws = new WebSocket(target, {
    // Our own TCP socket, so it can be unref'd while idle: an inspected CLI run exits like any other.
    createConnection: (opts: object) => {
      socket = connect(opts as never);
      return socket;
    },
    handshakeTimeout: 5000,
  });
  const idle: (() => void)[] = [];
  const settleIdle = () => {
    if (writing > 0 || ws.readyState === WebSocket.CONNECTING) return;
    socket?.unref();
    for (const resolve of idle.splice(0)) resolve();
  };
  const write = (data: string) => {
    writing += 1;
    socket?.ref();
    ws.send(data, () => {
      writing -= 1;
      settleIdle();
    });
  };
  const fail = (error: Error) => {
    if (failed) return;
    failed = true;
    queue.length = 0;
    if (!closed) onError(new Error(`cannot publish to ${target}: ${error.message}`));
    for (const resolve of idle.splice(0)) resolve();
  };
  ws.on('open', () => {
    for (const data of queue.splice(0)) write(data);
    settleIdle();
  });
  ws.on('error', fail);
  ws.on('close', () => {
    if (!closed) fail(new Error('the relay closed the connection'));
  });
  const send = (message: InspectMessage) => {
    if (failed || closed) return;
    const data = JSON.stringify(message);
    if (ws.readyState === WebSocket.OPEN) return write(data);
    queue.push(data);
    if (queue.length > maxQueued) queue.shift();
  };
  return {
    inspect: inspectionTranslator(send),
    close: async () => {
      if (closed) return;
      if (!failed && (ws.readyState === WebSocket.CONNECTING || writing > 0)) {
        await new Promise<void>((resolve) => {
          idle.push(resolve);
          settleIdle();
        });
      }
      closed = true;
      if (ws.readyState === WebSocket.CLOSED) return;
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close(1000);
        setTimeout(() => {
          ws.terminate();
          resolve();
        }, 1000).unref();
      });
    },
  };
}

const shared = new Map<string, Inspector>();

/**
 * The `inspect` option for `createActor` from a `--inspect <url>` value: `undefined` without a URL, else one
 * producer per URL (shared by every actor of the process). `createActor(machine, { inspect: inspectOption(url) })`.
 */
export function inspectOption(url?: string): ((event: InspectionEvent) => void) | undefined {
  if (url === undefined || url === '') return undefined;
  let inspector = shared.get(url);
  if (!inspector) {
    inspector = createInspector(url);
    shared.set(url, inspector);
  }
  return inspector.inspect;
}

/** Flushes and closes every producer {@link inspectOption} opened. */
export async function closeInspectors(): Promise<void> {
  const all = [...shared.values()];
  shared.clear();
  await Promise.all(all.map((i) => i.close()));
}
