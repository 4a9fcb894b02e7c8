/**
 * The DLOTA machine as an oracle for someone else's Download Agent. {@link MachineOracle} runs `dlotaMachine`
 * with every effect recorded instead of performed, and every transition it takes recorded with its clause
 * ids; {@link compareRequest} and {@link compareReport} say whether a recorded request is the one the
 * machine requests next. The judge that replays a whole recording is in `conform.judge.ts`.
 *
 * Device-side events an outside observer cannot see are answered the compliant way: enough free space, the
 * user confirmed, the installer prepared the object. Whether the agent resumed in the same run or after a
 * restart is read from what it sent (see the judge).
 *
 * @module
 */
import { createActor, type InspectionEvent } from 'xstate';
import { dlotaMachine } from './download.machine.js';
import {
  DOWNLOAD_EFFECT_NAMES,
  type DownloadContext,
  type DownloadEffects,
  type DownloadEvent,
  type DownloadInput,
} from './download.types.js';
import { ifMatchPasses } from './server.logic.js';
import { parseStatusLine } from './status.js';

/** A transition the machine took: where from, on which event, where to, and the clauses in its meta. */
export interface TakenTransition {
  readonly source: string;
  readonly event: string;
  readonly targets: readonly string[];
  readonly clauses: readonly string[];
  readonly description?: string;
}

/** An effect on the wire the machine requests next. */
export type WireEffect =
  | { readonly type: 'fetchDescriptor'; readonly params: DownloadEffects['fetchDescriptor'] }
  | { readonly type: 'httpGet'; readonly params: DownloadEffects['httpGet'] }
  | { readonly type: 'postReport'; readonly params: DownloadEffects['postReport'] };

const WIRE = new Set(['fetchDescriptor', 'httpGet', 'postReport']);

interface RawTransition {
  readonly source: { readonly id: string };
  readonly eventType: string;
  readonly target?: readonly {
    readonly id: string;
    readonly meta?: { readonly clauses?: readonly string[] };
  }[];
  readonly meta?: { readonly clauses?: readonly string[] };
  readonly description?: string;
}

/** Formats a transition as `retrieving.resuming —RESPONSE.HEADERS→ notifying`. */
export function formatTransition(t: TakenTransition): string {
  const strip = (id: string) => id.replace(/^dlota\./, '');
  const event = t.event === '' ? '(always)' : t.event;
  return `${strip(t.source)} —${event}→ ${t.targets.map(strip).join(', ') || '(stays)'}`;
}

/** The DLOTA machine run as an oracle: effects recorded, transitions recorded, nothing performed. */
export class MachineOracle {
  /** Every transition taken, in order. */
  readonly taken: TakenTransition[] = [];
  /** The wire effect requested and not yet matched by a recorded request. */
  pending: WireEffect | undefined;
  /** Transitions taken since the pending effect was requested (their clauses explain it). */
  since: TakenTransition[] = [];
  readonly #actor;

  constructor(input: DownloadInput) {
    const record = Object.fromEntries(
      DOWNLOAD_EFFECT_NAMES.map((name) => [
        name,
        (_args: unknown, params: unknown) => {
          if (WIRE.has(name)) {
            this.pending = { type: name, params } as WireEffect;
            this.since = [];
          }
        },
      ]),
    );
    const machine = dlotaMachine.provide({ actions: record as never });
    this.#actor = createActor(machine, {
      input,
      inspect: (event: InspectionEvent) => {
        if (event.type !== '@xstate.microstep') return;
        for (const t of (event as unknown as { _transitions: readonly RawTransition[] })._transitions) {
          const taken: TakenTransition = {
            source: t.source.id,
            event: t.eventType,
            targets: (t.target ?? []).map((s) => s.id),
            // The transition's own clauses, then those of the states it enters (a state's meta says what it does).
            clauses: [
              ...new Set([
                ...(t.meta?.clauses ?? []),
                ...(t.target ?? []).flatMap((s) => s.meta?.clauses ?? []),
              ]),
            ],
            ...(t.description === undefined ? {} : { description: t.description }),
          };
          this.taken.push(taken);
          this.since.push(taken);
        }
      },
    });
    this.#actor.start();
  }

  /** Sends one event to the machine. */
  send(event: DownloadEvent): void {
    this.#actor.send(event);
  }

  /** The state value as a dotted string (`retrieving.paused`). */
  get state(): string {
    const walk = (value: unknown): string =>
      typeof value === 'string'
        ? value
        : Object.entries(value as Record<string, unknown>)
            .map(([k, v]) => `${k}.${walk(v)}`)
            .join(',');
    return walk(this.#actor.getSnapshot().value);
  }

  get context(): DownloadContext {
    return this.#actor.getSnapshot().context;
  }

  /** Whether the run ended (`done` or `failed`). */
  get finished(): boolean {
    return this.#actor.getSnapshot().status === 'done';
  }

  /** The status code of the ended run (from the machine's output). */
  get outcomeCode(): number | undefined {
    return this.#actor.getSnapshot().output?.statusCode;
  }

  /** Takes the pending effect (it is being matched). */
  take(): WireEffect | undefined {
    const effect = this.pending;
    this.pending = undefined;
    return effect;
  }

  /**
   * Answers the device-side steps an outside observer cannot see the compliant way: free space measured
   * (plenty), the user confirmed, the installer prepared the object. Bounded.
   */
  advanceDevice(): void {
    for (let i = 0; i < 8; i++) {
      const state = this.state;
      if (state === 'measuringSpace')
        this.send({ type: 'FREE_SPACE.MEASURED', bytes: Number.MAX_SAFE_INTEGER });
      else if (state === 'confirming.asking') this.send({ type: 'USER.CONFIRMED' });
      else if (state === 'installing') this.send({ type: 'INSTALL.PREPARED' });
      else return;
    }
  }

  /** Clause ids of the transitions since the pending effect's request. */
  clausesSince(): string[] {
    return [...new Set(this.since.flatMap((t) => t.clauses))];
  }
}

/** What a recorded request looked like (header names in lower case). */
export interface SeenRequest {
  readonly method: string;
  /** Absolute URL. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** One difference between what the machine requests and what the agent sent. */
export interface Difference {
  readonly clauses: readonly string[];
  readonly detail: string;
}

function sameUrl(a: string, b: string): boolean {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return a === b;
  }
}

/** A `Range: bytes=…` header read as its ranges (`null` = not a bytes range). */
export function parseByteRanges(value: string): { first: number; last?: number }[] | null {
  const match = /^\s*bytes\s*=\s*(.+)$/i.exec(value);
  if (!match) return null;
  const ranges: { first: number; last?: number }[] = [];
  for (const part of (match[1] ?? '').split(',')) {
    const r = /^\s*(\d+)\s*-\s*(\d*)\s*$/.exec(part);
    if (!r) return null;
    ranges.push(r[2] === '' ? { first: Number(r[1]) } : { first: Number(r[1]), last: Number(r[2]) });
  }
  return ranges;
}

/**
 * Compares a media request with the machine's `httpGet`: the same ObjectURI (DL-RET-2); no Range when the
 * machine asks from byte 0 (a Range after a server without Accept-Ranges breaks DL-PR-12); otherwise exactly
 * one range (DL-PR-8) from the kept offset to the end (DL-PR-7, open or closed); If-Match with the ETag
 * when the machine sends one (DL-PR-9; strong comparison, so quotes may differ only as the server tolerates).
 */
export function compareRequest(
  expected: DownloadEffects['httpGet'],
  actual: SeenRequest,
  length: number,
  acceptRanges: boolean,
): Difference[] {
  const out: Difference[] = [];
  if (actual.method !== 'GET') out.push({ clauses: ['DL-RET-2'], detail: `${actual.method} instead of GET` });
  if (!sameUrl(expected.url, actual.url))
    out.push({ clauses: ['DL-RET-2'], detail: `requested ${actual.url}, the ObjectURI is ${expected.url}` });
  const range = actual.headers.range;
  const ranges = range === undefined ? undefined : parseByteRanges(range);
  if (expected.range === undefined) {
    const whole =
      ranges?.length === 1 && ranges[0]?.first === 0 && (ranges[0].last ?? length - 1) >= length - 1;
    if (range !== undefined && !whole)
      out.push(
        acceptRanges
          ? {
              clauses: ['DL-PR-7'],
              detail: `Range: ${range} where the machine asks the whole object (no kept range)`,
            }
          : {
              clauses: ['DL-PR-12'],
              detail: `Range: ${range} although the server never sent Accept-Ranges: bytes`,
            },
      );
    return out;
  }
  const wanted = parseByteRanges(expected.range)?.[0];
  if (range === undefined)
    out.push({ clauses: ['DL-PR-7'], detail: `no Range; expected Range: ${expected.range}` });
  else if (ranges === null || ranges === undefined)
    out.push({ clauses: ['DL-PR-7'], detail: `Range: ${range} is not a bytes range` });
  else if (ranges.length !== 1)
    out.push({
      clauses: ['DL-PR-8'],
      detail: `Range: ${range} asks ${ranges.length} ranges; one is allowed`,
    });
  else if (
    ranges[0]?.first !== wanted?.first ||
    (ranges[0]?.last !== undefined && ranges[0].last !== wanted?.last)
  )
    out.push({
      clauses: ['DL-PR-7'],
      detail: `Range: ${range}; the bytes not yet received are ${expected.range}`,
    });
  if (expected.ifMatch !== undefined) {
    const ifMatch = actual.headers['if-match'];
    if (ifMatch === undefined)
      out.push({
        clauses: ['DL-PR-9'],
        detail: `no If-Match; the paused retrieval's ETag is ${expected.ifMatch}`,
      });
    else if (!ifMatchPasses(ifMatch, expected.ifMatch))
      out.push({ clauses: ['DL-PR-9'], detail: `If-Match: ${ifMatch} is not the ETag ${expected.ifMatch}` });
  }
  return out;
}

/** Compares a status report POST with the machine's `postReport`: the URL and the leading code (DL-NOTIFY-1). */
export function compareReport(expected: DownloadEffects['postReport'], actual: SeenRequest): Difference[] {
  const out: Difference[] = [];
  if (actual.method !== 'POST')
    out.push({ clauses: ['DL-NOTIFY-1'], detail: `${actual.method} instead of POST` });
  if (!sameUrl(expected.url, actual.url))
    out.push({
      clauses: ['DL-NOTIFY-1'],
      detail: `posted to ${actual.url}, the InstallNotifyURI is ${expected.url}`,
    });
  const want = parseStatusLine(expected.body)?.code;
  const got = parseStatusLine(actual.body ?? '')?.code;
  if (want !== got)
    out.push({
      clauses: ['DL-NOTIFY-1'],
      detail: `reported ${JSON.stringify((actual.body ?? '').slice(0, 40))}; the machine reports "${expected.body}"`,
    });
  return out;
}
