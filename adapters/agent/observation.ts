/**
 * What a running agent lets its caller observe: typed, JSON-ready events (the CLI prints them as `--json`
 * lines or turns them into a progress bar and a narrative). The agent core never prints.
 *
 * @module
 */
import type { DescriptorError } from './descriptor-error.js';

/** The machine entered a new state (dotted path, e.g. `retrieving.downloading`). */
export interface StateObservation {
  readonly event: 'state';
  readonly state: string;
}

/** A request as it went on the wire (every one: descriptor, media object, report), headers lower-case. */
export interface RequestObservation {
  readonly event: 'request';
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** The status line and the headers of a media or descriptor response. */
export interface ResponseObservation {
  readonly event: 'response';
  readonly url: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
}

/** Bytes of the current object written so far (from byte 0 of the object) and its length. */
export interface ProgressObservation {
  readonly event: 'progress';
  readonly received: number;
  readonly total: number;
}

/** A kept range found in the state directory for the object being fetched (a journal from an earlier run). */
export interface RecoveredObservation {
  readonly event: 'recovered';
  readonly url: string;
  readonly offset: number;
  readonly length: number;
  readonly etag?: string;
  /** Whether the journal recorded `Accept-Ranges: bytes` from the server of the kept bytes. */
  readonly acceptRanges?: boolean;
}

/** An earlier run of this descriptor was stopped after its 900 was accepted: its install was finished now. */
export interface RecoveredInstallObservation {
  readonly event: 'recovered-install';
  readonly files: readonly string[];
}

/**
 * A step of installing an accepted 900's objects, in write order: `recorded` (the install record is durable:
 * from here a restart honours the install), `moved` (one object is in place), `installed` (record removed).
 */
export interface InstallStepObservation {
  readonly event: 'install-step';
  readonly step: 'recorded' | 'moved' | 'installed';
  readonly file?: string;
}

/** The outcome of one descriptor round and whether its status report was accepted. */
export interface StatusObservation {
  readonly event: 'status';
  readonly code: number;
  readonly text: string;
  readonly reported: boolean;
}

/** Activity of the persisted report queue (DL-INST-12): a report queued, delivered, rescheduled or given up. */
export interface ReportObservation {
  readonly event: 'report';
  readonly url: string;
  readonly body: string;
  readonly outcome: 'queued' | 'delivered' | 'retry' | 'given-up';
  readonly status?: number;
}

/** The run stopped with a kept range (exit 75): rerunning the same command resumes. */
export interface PausedObservation {
  readonly event: 'paused';
  readonly cause: string;
  readonly offset: number;
  readonly length: number;
}

/** The run finished: the final status code, the installed files and the nextURL (null when none). */
export interface DoneObservation {
  readonly event: 'done';
  readonly code: number;
  readonly text: string;
  readonly installed: boolean;
  readonly files: readonly string[];
  readonly nextURL: string | null;
}

/** The descriptor could not be fetched: why, in words (the run then ends with 954 Loader Error). */
export interface ErrorObservation {
  readonly event: 'error';
  readonly url: string;
  readonly error: DescriptorError;
}

/** Every observation a run emits. */
export type Observation =
  | ErrorObservation
  | StateObservation
  | RequestObservation
  | ResponseObservation
  | ProgressObservation
  | RecoveredObservation
  | RecoveredInstallObservation
  | InstallStepObservation
  | StatusObservation
  | ReportObservation
  | PausedObservation
  | DoneObservation;
