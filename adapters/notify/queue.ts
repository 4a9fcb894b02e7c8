/**
 * Persisted status reports: a report is stored in the state directory before its first POST, retried with
 * back-off across restarts, removed only once a POST's status counts as delivered, and after a bounded
 * number of attempts kept as `given-up` with its history (DL-INST-12 note, DL-NOTIFY-1 note).
 *
 * The queue decides nothing about the protocol: what counts as delivered is the caller's `isDelivered`,
 * and time is passed in (`now`), never read here.
 *
 * @module
 */
import path from 'node:path';
import { post as httpPost, type PostOptions, type PostResult } from '../http/client.js';
import { readJson, removeStaleTemps, writeJsonAtomic } from '../storage/json-store.js';

/** A report to send: the body is POSTed to `uri` with `contentType`; `id` identifies it in the queue. */
export interface ReportInput {
  /** Unique within the queue; enqueuing an id again returns the stored report unchanged. */
  id: string;
  uri: string;
  body: string;
  contentType: string;
}

/** One POST attempt: when it started (the caller's clock) and what came of it. */
export interface Attempt {
  at: number;
  /** The response status, when a response came. */
  status?: number;
  /** The transport error, when none came (or `interrupted` when the process ended mid-POST). */
  error?: string;
}

/** A stored report: pending (due at `nextDueAt`) or given up, with every attempt made. */
export interface StoredReport extends ReportInput {
  state: 'pending' | 'given-up';
  attempts: Attempt[];
  /** The earliest `now` at which the next attempt is made. */
  nextDueAt: number;
}

/** What one attempt of {@link ReportQueue.deliverDue} came to. */
export interface DeliveryResult {
  id: string;
  uri: string;
  /** `delivered` (removed from the queue), `retry` (still pending) or `given-up` (kept, no more attempts). */
  outcome: 'delivered' | 'retry' | 'given-up';
  status?: number;
  error?: string;
  /** Attempts made so far, this one included. */
  attempts: number;
  /** When the next attempt is due (outcome `retry`). */
  nextDueAt?: number;
}

/** The POST a queue uses; {@link httpPost} by default, a fake in tests. */
export type PostFn = (url: string, body: string, options: PostOptions) => Promise<Pick<PostResult, 'status'>>;

/** Options of {@link ReportQueue.deliverDue}. */
export interface DeliverOptions {
  /** The current time on the caller's clock (ms); reports with `nextDueAt <= now` are attempted. */
  now: number;
  /** Whether a response status means the report was accepted (the machine's rule, e.g. `s === 200`). */
  isDelivered: (status: number) => boolean;
  /** Attempts after which a report is given up. @default DEFAULT_MAX_ATTEMPTS */
  maxAttempts?: number;
  /** Delay before attempt n+1 after n failed attempts (n ≥ 1), in ms. @default exponentialBackoff() */
  backoffMs?: (attempt: number) => number;
  /** Time limit of each POST, in ms. @default DEFAULT_POST_TIMEOUT_MS of the HTTP client */
  timeoutMs?: number;
}

/** Attempts before a report is given up. @default 6 */
export const DEFAULT_MAX_ATTEMPTS = 6;

/** A back-off doubling from `baseMs` after each failed attempt up to `maxMs`, without jitter (deterministic). */
export function exponentialBackoff(baseMs = 1000, maxMs = 60 * 60 * 1000): (attempt: number) => number {
  return (attempt) => Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

/** The name of the queue's file in the state directory. @default 'reports.json' */
export const QUEUE_FILE = 'reports.json';

interface QueueFile {
  version: 1;
  reports: StoredReport[];
}

/** A persisted queue of status reports in one state directory (one process at a time). */
export class ReportQueue {
  #reports: StoredReport[];
  #lock: Promise<unknown> = Promise.resolve();

  private constructor(
    /** The queue's file. */
    readonly file: string,
    reports: StoredReport[],
  ) {
    this.#reports = reports;
  }

  /** Opens (creating nothing until the first write) the queue stored in `stateDir`; a POST cut off by a crash is recorded as a failed attempt. */
  static async open(stateDir: string): Promise<ReportQueue> {
    const file = path.join(stateDir, QUEUE_FILE);
    await removeStaleTemps(file);
    const stored = await readJson<QueueFile>(file);
    if (stored !== undefined && (stored.version !== 1 || !Array.isArray(stored.reports))) {
      throw new Error(`${file}: not a version 1 report queue`);
    }
    const reports = stored?.reports ?? [];
    let interrupted = false;
    for (const report of reports) {
      const last = report.attempts.at(-1);
      if (last && last.status === undefined && last.error === undefined) {
        last.error = 'interrupted';
        interrupted = true;
      }
    }
    const queue = new ReportQueue(file, reports);
    if (interrupted) await queue.#save();
    return queue;
  }

  async #save(): Promise<void> {
    await writeJsonAtomic(this.file, { version: 1, reports: this.#reports } satisfies QueueFile);
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(task, task);
    this.#lock = run.catch(() => {});
    return run;
  }

  /** Stores a report (durably, before any POST) due at `dueAt` (default 0: at once); an existing id is returned unchanged. */
  enqueue(report: ReportInput, dueAt = 0): Promise<StoredReport> {
    return this.#serial(async () => {
      const existing = this.#reports.find((r) => r.id === report.id);
      if (existing) return structuredClone(existing);
      const stored: StoredReport = {
        id: report.id,
        uri: report.uri,
        body: report.body,
        contentType: report.contentType,
        state: 'pending',
        attempts: [],
        nextDueAt: dueAt,
      };
      this.#reports.push(stored);
      await this.#save();
      return structuredClone(stored);
    });
  }

  /** The reports still to be delivered, in enqueue order (copies). */
  pending(): StoredReport[] {
    return this.#reports.filter((r) => r.state === 'pending').map((r) => structuredClone(r));
  }

  /** The reports given up after their last attempt, with their history (copies). */
  givenUp(): StoredReport[] {
    return this.#reports.filter((r) => r.state === 'given-up').map((r) => structuredClone(r));
  }

  /** A stored report by id (a copy), or `undefined` (never stored, or delivered and removed). */
  get(id: string): StoredReport | undefined {
    const found = this.#reports.find((r) => r.id === id);
    return found && structuredClone(found);
  }

  /**
   * Attempts every pending report due at `now`, one after another: the attempt is recorded before the POST,
   * its outcome after; delivered reports are removed, failed ones rescheduled or, at `maxAttempts`, given up.
   */
  deliverDue(post: PostFn = httpPost, options: DeliverOptions): Promise<DeliveryResult[]> {
    return this.#serial(async () => {
      const { now, isDelivered } = options;
      const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
      const backoff = options.backoffMs ?? exponentialBackoff();
      const results: DeliveryResult[] = [];
      for (const report of [...this.#reports]) {
        if (report.state !== 'pending' || report.nextDueAt > now) continue;
        if (report.attempts.length >= maxAttempts) {
          // E.g. the last attempt was cut off by a crash: it counted.
          report.state = 'given-up';
          await this.#save();
          results.push({
            id: report.id,
            uri: report.uri,
            outcome: 'given-up',
            attempts: report.attempts.length,
          });
          continue;
        }
        const attempt: Attempt = { at: now };
        report.attempts.push(attempt);
        // Rescheduled before posting, so a crash mid-POST does not make it due again at once.
        report.nextDueAt = now + backoff(report.attempts.length);
        await this.#save();
        try {
          const res = await post(report.uri, report.body, {
            contentType: report.contentType,
            ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
          });
          attempt.status = res.status;
        } catch (error) {
          attempt.error = error instanceof Error ? error.message : String(error);
        }
        const base = {
          id: report.id,
          uri: report.uri,
          attempts: report.attempts.length,
          ...(attempt.status !== undefined ? { status: attempt.status } : {}),
          ...(attempt.error !== undefined ? { error: attempt.error } : {}),
        };
        if (attempt.status !== undefined && isDelivered(attempt.status)) {
          this.#reports = this.#reports.filter((r) => r !== report);
          results.push({ ...base, outcome: 'delivered' });
        } else if (report.attempts.length >= maxAttempts) {
          report.state = 'given-up';
          results.push({ ...base, outcome: 'given-up' });
        } else {
          results.push({ ...base, outcome: 'retry', nextDueAt: report.nextDueAt });
        }
        await this.#save();
      }
      return results;
    });
  }
}
