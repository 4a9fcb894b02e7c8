/**
 * Options of a running DLOTA agent, with their defaults.
 *
 * @module
 */
import type { InspectionEvent } from 'xstate';
import type { ConfirmationRequest, ResumePolicy } from '../../machines/dlota/download.types.js';
import type { StatusNumbering } from '../../machines/dlota/status.js';
import type { Observation } from './observation.js';

/** Media types the CLI agent accepts: it stores any object as a file. @default ['*\/*'] */
export const DEFAULT_SUPPORTED_TYPES: readonly string[] = ['*/*'];
/** Delay before re-requesting after a lost connection (doubled per consecutive loss). @default 500 */
export const DEFAULT_RECONNECT_DELAY_MS = 500;
/** Consecutive connection losses without progress before the run stops paused (exit 75). @default 4 */
export const DEFAULT_MAX_RECONNECTS = 4;
/** Minimum interval between two `progress` observations. @default 100 */
export const DEFAULT_PROGRESS_INTERVAL_MS = 100;

/** HTTP time limits and redirects (see the HTTP adapter's defaults: connect 10 s, headers 30 s, stalled body 30 s, 5 redirects). */
export interface AgentHttpOptions {
  readonly connectTimeoutMs?: number;
  readonly headersTimeoutMs?: number;
  /** A body that delivers no byte for this long counts as a lost connection. */
  readonly bodyTimeoutMs?: number;
  /**
   * A body (descriptor or media object) slower than this many bytes per second over `minRateWindowMs` counts
   * as a lost connection, like curl's `--speed-limit` (0 disables it). @default 1024 (the HTTP adapter's)
   */
  readonly minBytesPerSecond?: number;
  /** The averaging window of `minBytesPerSecond`, like curl's `--speed-time`, in ms. @default 30_000 */
  readonly minRateWindowMs?: number;
  readonly maxRedirects?: number;
}

/** Everything {@link startAgent} needs. */
export interface AgentOptions {
  /** XState inspection observer (`--inspect`): receives every snapshot and microstep of the agent's machine. */
  readonly inspect?: (event: InspectionEvent) => void;
  /** The descriptor URL. */
  readonly ddUrl: string;
  /** Where committed objects go. */
  readonly outDir: string;
  /** Where kept ranges, journals and the report queue live. */
  readonly stateDir: string;
  /** The user already agreed (`--yes`): no confirmation is asked (DL-STEP-5). @default false */
  readonly preConfirmed?: boolean;
  /** @default 'seed' (957) */
  readonly numbering?: StatusNumbering;
  /** @default DEFAULT_SUPPORTED_TYPES */
  readonly supportedTypes?: readonly string[];
  /**
   * Asks the user (DL-STEP-5): true = confirmed, false = declined, undefined = cannot ask (the run stops
   * with `confirmationRequired`, nothing downloaded or reported). Without it, asking stops the run.
   */
  readonly confirm?: (request: ConfirmationRequest) => Promise<boolean | undefined>;
  /** Receives every observation, synchronously. */
  readonly onObservation?: (observation: Observation) => void;
  /**
   * Written bytes allowed outside the journal (fsync + journal checkpoints start at half of it): what a power cut
   * may cost. A process crash costs less — only bytes not yet written (see PartialStore). @default 32 MiB (PartialStore's default)
   */
  readonly flushEveryBytes?: number;
  /** POST attempts of one report within the run (DL-INST-12). @default 3 (the machine's default) */
  readonly maxReportAttempts?: number;
  /** Base back-off between report attempts within the run, in ms. @default 2000 (the machine's default) */
  readonly reportRetryMs?: number;
  /** @default DEFAULT_RECONNECT_DELAY_MS */
  readonly reconnectDelayMs?: number;
  /** @default DEFAULT_MAX_RECONNECTS */
  readonly maxReconnects?: number;
  /** Base back-off before a resume answered 5xx/408/429 is retried, in ms. @default 2000 (the machine's default) */
  readonly resumeRetryMs?: number;
  /** Retries of a resume answered by temporary errors before the run stops paused. @default 3 (the machine's) */
  readonly maxResumeRetries?: number;
  /** Longest back-off or Retry-After the run waits by itself; longer → stops paused. @default 60000 (the machine's) */
  readonly maxRetryWaitMs?: number;
  /** @default DEFAULT_PROGRESS_INTERVAL_MS */
  readonly progressIntervalMs?: number;
  readonly http?: AgentHttpOptions;
  /** Resume policy handed to the machine; `cancel` sets `onRestart: false` so a kept range stays paused. */
  readonly resumePolicy?: Partial<ResumePolicy>;
  /** `cancel`: once the machine holds the kept range paused (or prepared), send USER.CANCEL. @default 'fetch' */
  readonly mode?: 'fetch' | 'cancel';
}
