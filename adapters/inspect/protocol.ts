/**
 * The inspection messages the relay passes from producers to viewers, and the conversion of
 * `@statelyai/inspect`'s messages (`@xstate.actor`, `@xstate.snapshot`, `@xstate.event`) into them, so the
 * viewer page reads one small format whichever producer sent it.
 *
 * State ids are {@link describeMachine}'s: dotted paths from the root (`retrieving.paused`), every active
 * state listed, ancestors included, in document order of the value.
 *
 * @module
 */
import type { AnyStateMachine } from 'xstate';
import { MACHINES } from '../../machines/registry.js';

/** One transition taken in a microstep, with the clause ids from its `meta`. */
export interface TransitionTaken {
  /** The id of the state declaring the transition. */
  readonly source: string;
  /** The event type; `''` for an eventless (`always`) transition. */
  readonly event: string;
  /** Target state ids; empty for a targetless transition. */
  readonly targets: readonly string[];
  readonly clauses: readonly string[];
}

/** An actor appeared (the root actor at start, or a spawned/invoked child). */
export interface ActorMessage {
  readonly type: 'actor';
  /** The registry id (`dlota`, `oipf-download`, `oipf-manager`) or, for an unregistered machine, its own id. */
  readonly machineId: string;
  readonly sessionId: string;
  readonly parentId?: string;
  /** A human label for the actor selector (e.g. `download 3`). */
  readonly label?: string;
}

/** An actor's snapshot after it processed one event. */
export interface SnapshotMessage {
  readonly type: 'snapshot';
  readonly machineId: string;
  readonly sessionId: string;
  readonly parentId?: string;
  /** Every active state id, ancestors included (`['retrieving', 'retrieving.paused']`). */
  readonly stateIds: readonly string[];
  /** `active`, `done`, `error` or `stopped`. */
  readonly status?: string;
  /** The event that led to this snapshot (only its type: payloads may hold URLs or bytes). */
  readonly event: { readonly type: string };
  /** The transitions taken, in order; empty when the producer cannot see microsteps (`@statelyai/inspect`). */
  readonly transitions: readonly TransitionTaken[];
  /** Which kind of producer sent it. */
  readonly source?: 'dlstate' | 'stately';
}

/** What travels from the relay to a viewer. */
export type InspectMessage = ActorMessage | SnapshotMessage;

/** A relayed message with the relay's sequence number. */
export type RelayedMessage = InspectMessage & { readonly seq: number };

const BY_MACHINE_ID = new Map<string, string>(MACHINES.map((m) => [m.machine.id, m.id]));
const REGISTRY_IDS = new Set(MACHINES.map((m) => m.id));

/** The registry id for a machine id or a registry id (`oipfDownload` → `oipf-download`); unknown ids pass through. */
export function registryIdOf(id: string): string {
  if (REGISTRY_IDS.has(id)) return id;
  return BY_MACHINE_ID.get(id) ?? id;
}

/** The registry id of a machine (by its `id`). */
export function machineKeyOf(machine: Pick<AnyStateMachine, 'id'>): string {
  return registryIdOf(machine.id);
}

/** Every active state id of a state value, ancestors first (`{ a: { b: 'c' } }` → `a`, `a.b`, `a.b.c`). */
export function stateIdsOf(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [`${prefix}${value}`];
  if (value === null || typeof value !== 'object') return [];
  const ids: string[] = [];
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    ids.push(`${prefix}${key}`);
    ids.push(...stateIdsOf(child, `${prefix}${key}.`));
  }
  return ids;
}

/** The innermost of some state ids (those no other id descends from). */
export function leafIds(stateIds: readonly string[]): string[] {
  return stateIds.filter((id) => !stateIds.some((other) => other.startsWith(`${id}.`)));
}

function text(value: unknown, max = 200): string | undefined {
  return typeof value === 'string' ? value.slice(0, max) : undefined;
}

function strings(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((v): v is string => typeof v === 'string').map((v) => v.slice(0, 200))
    : [];
}

function eventOf(value: unknown): { type: string } {
  const type = text((value as { type?: unknown } | null)?.type);
  return { type: type ?? '' };
}

function transitionsOf(value: unknown): TransitionTaken[] {
  if (!Array.isArray(value)) return [];
  return value.slice(0, 100).map((t: Record<string, unknown>) => ({
    source: text(t?.source) ?? '',
    event: text(t?.event) ?? '',
    targets: strings(t?.targets),
    clauses: strings(t?.clauses),
  }));
}

/**
 * Normalises whatever a producer sent: our own `actor`/`snapshot` messages are checked field by field (a
 * producer is another process), `@statelyai/inspect` messages are converted; `sessions` remembers which
 * machine each Stately session runs (its `@xstate.actor` names it). Returns the messages to relay (none
 * for an `@xstate.event`: the snapshot that follows carries the event).
 */
export function normaliseProducerMessage(raw: unknown, sessions: Map<string, string>): InspectMessage[] {
  if (raw === null || typeof raw !== 'object') return [];
  const m = raw as Record<string, unknown>;
  const sessionId = text(m.sessionId);
  if (sessionId === undefined) return [];
  const parentId = text(m.parentId);
  const parent = parentId === undefined ? {} : { parentId };
  switch (m.type) {
    case 'actor': {
      const machineId = registryIdOf(text(m.machineId) ?? 'unknown');
      sessions.set(sessionId, machineId);
      const label = text(m.label);
      return [{ type: 'actor', machineId, sessionId, ...parent, ...(label === undefined ? {} : { label }) }];
    }
    case 'snapshot': {
      const machineId = registryIdOf(text(m.machineId) ?? sessions.get(sessionId) ?? 'unknown');
      const status = text(m.status);
      return [
        {
          type: 'snapshot',
          machineId,
          sessionId,
          ...parent,
          stateIds: strings(m.stateIds),
          ...(status === undefined ? {} : { status }),
          event: eventOf(m.event),
          transitions: transitionsOf(m.transitions),
          source: 'dlstate',
        },
      ];
    }
    case '@xstate.actor': {
      // Stately names a machine actor after its definition's id (`dlota`, `oipfManager`).
      const machineId = registryIdOf(text(m.name) ?? 'unknown');
      sessions.set(sessionId, machineId);
      return [{ type: 'actor', machineId, sessionId, ...parent }];
    }
    case '@xstate.snapshot': {
      const snapshot = (m.snapshot ?? {}) as { value?: unknown; status?: unknown };
      const status = text(snapshot.status);
      return [
        {
          type: 'snapshot',
          machineId: sessions.get(sessionId) ?? 'unknown',
          sessionId,
          stateIds: stateIdsOf(snapshot.value),
          ...(status === undefined ? {} : { status }),
          event: eventOf(m.event),
          // @statelyai/inspect drops microsteps, so a Stately producer cannot say which transitions ran.
          transitions: [],
          source: 'stately',
        },
      ];
    }
    default:
      return [];
  }
}
