/**
 * Status reports that outlive a run (DL-INST-12): reports the machine gave up on are stored in the state
 * directory's {@link ReportQueue} and retried, with back-off, at the start of every later run using the same
 * state directory, until accepted or given up.
 *
 * @module
 */

import { reportDelivered } from '../../machines/dlota/download.logic.js';
import type { StatusReport } from '../../machines/dlota/download.types.js';
import { type DeliveryResult, ReportQueue } from '../notify/queue.js';
import { keyFor } from '../storage/files.js';
import type { Observation } from './observation.js';

/** The content type of a status report (DL-NOTIFY-1). */
export const REPORT_CONTENT_TYPE = 'text/plain';

/** Whether a report POST's answer counts as delivered: the machine's rule (DL-NOTIFY-1), re-exported. */
export const reportAccepted = reportDelivered;

function toObservation(result: DeliveryResult, body: string): Observation {
  return {
    event: 'report',
    url: result.uri,
    body,
    outcome: result.outcome,
    ...(result.status === undefined ? {} : { status: result.status }),
  };
}

/** Attempts every queued report that is due now; emits one `report` observation per attempt. */
export async function deliverQueuedReports(
  stateDir: string,
  emit: (o: Observation) => void,
  now: number = Date.now(),
): Promise<DeliveryResult[]> {
  const queue = await ReportQueue.open(stateDir);
  const bodies = new Map(queue.pending().map((r) => [r.id, r.body]));
  const results = await queue.deliverDue(undefined, { now, isDelivered: reportAccepted });
  for (const result of results) emit(toObservation(result, bodies.get(result.id) ?? ''));
  return results;
}

/** Stores reports the machine could not deliver, due at once on the next run (DL-INST-12). */
export async function queueReports(
  stateDir: string,
  reports: readonly StatusReport[],
  emit: (o: Observation) => void,
  now: number = Date.now(),
): Promise<void> {
  if (reports.length === 0) return;
  const queue = await ReportQueue.open(stateDir);
  for (const [i, report] of reports.entries()) {
    const id = keyFor(report.url, report.body, String(now), String(i));
    await queue.enqueue({ id, uri: report.url, body: report.body, contentType: REPORT_CONTENT_TYPE }, now);
    emit({ event: 'report', url: report.url, body: report.body, outcome: 'queued' });
  }
}
