/**
 * The verdict on an outside Download Agent: replays what a scripted server recorded — requests, answers,
 * reports, run by run — through {@link MachineOracle} and compares each request with the one the DLOTA
 * machine requests at that point. The first difference is the verdict (with the clause ids it breaks); what
 * follows is listed as not judged, since the agent has left the model's path.
 *
 * How an outside agent's resume is read (editor's note): a request with `Range: bytes=K-` while the machine
 * is paused is a resume in the same run (BODY.DURABLE K, NETWORK.BACK); a request in a later run of the
 * command is a restart (RESTART.RECOVERED with K, the ETag and Accept-Ranges of the kept range) — both
 * make the machine request exactly `bytes=K-<len-1>` with If-Match. K must not exceed the bytes the server
 * sent (DL-PR-7). An agent that re-fetches from byte 0 instead of resuming is allowed (DL-PR-4 is a SHOULD),
 * and warned. A 200 answered to a resume whose full body the agent keeps counts as the restart from byte 0
 * that the machine requests (never an append, DL-PR-11). An agent that does not re-fetch the descriptor
 * after a restart is taken to reuse the one it fetched (the descriptor is not part of the resume).
 *
 * @module
 */

import {
  compareReport,
  compareRequest,
  type Difference,
  MachineOracle,
  parseByteRanges,
  type SeenRequest,
  type TakenTransition,
  type WireEffect,
} from './conform.oracle.js';
import { parseContentRange } from './download.logic.js';
import type { DownloadInput } from './download.types.js';
import type { StatusNumbering } from './status.js';

/** One request the scripted server recorded, with the answer it gave. */
export interface RecordedExchange {
  /** Which run of the agent's command sent it (1-based). */
  readonly run: number;
  readonly kind: 'descriptor' | 'media' | 'report' | 'other';
  readonly request: SeenRequest;
  readonly status: number;
  /** Response headers, names in lower case. */
  readonly responseHeaders: Readonly<Record<string, string>>;
  /** The descriptor text, for descriptor answers. */
  readonly responseBody?: string;
  /** Body bytes sent (for media: object bytes). */
  readonly bodyBytes: number;
}

/** One recorded request as the verdict shows it. */
export interface JudgedLine {
  readonly verdict: 'pass' | 'fail' | 'note' | 'unjudged';
  readonly line: string;
  readonly detail?: string;
  readonly clauses: readonly string[];
}

/** The verdict on a recording. */
export interface AgentJudgement {
  readonly lines: readonly JudgedLine[];
  /** MUST differences (the first one ends the judging). */
  readonly failures: readonly Difference[];
  /** SHOULD differences. */
  readonly warnings: readonly Difference[];
  /** Whether the machine's run ended (done or failed). */
  readonly finished: boolean;
  /** The status code of the ended run. */
  readonly outcome?: number;
  /** The state the machine is left in (`done`, `failed`, `retrieving.paused`…). */
  readonly state: string;
  /** What the machine still expects when the recording stops short of the end. */
  readonly expecting?: string;
  /** Every transition taken over all runs. */
  readonly taken: readonly TakenTransition[];
}

/** How the oracle is set up: the agent is assumed to accept every type (DL-STEP-4 is the device's choice). */
export function oracleInput(ddUrl: string, numbering: StatusNumbering = 'seed'): DownloadInput {
  return { ddUrl, supportedTypes: ['*/*'], preConfirmed: true, numbering, reportRetryMs: 0 };
}

/** A request line as evidence: `run 2  GET /media/x  Range: bytes=1034-  If-Match: "a/1"  → 206, 24398 bytes`. */
export function exchangeLine(ex: RecordedExchange): string {
  let path = ex.request.url;
  try {
    const u = new URL(ex.request.url);
    path = `${u.pathname}${u.search}`;
  } catch {}
  const h = ex.request.headers;
  const parts = [`run ${ex.run}`, `${ex.request.method} ${path}`];
  if (h.range !== undefined) parts.push(`Range: ${h.range}`);
  if (h['if-match'] !== undefined) parts.push(`If-Match: ${h['if-match']}`);
  if (ex.request.body !== undefined) parts.push(`body ${JSON.stringify(ex.request.body.slice(0, 40))}`);
  const length = Number(ex.responseHeaders['content-length']);
  const cut = ex.kind === 'media' && ex.status < 300 && Number.isFinite(length) && ex.bodyBytes < length;
  parts.push(
    `→ ${ex.status}${ex.kind === 'media' && ex.status < 300 ? `, ${ex.bodyBytes} bytes${cut ? ` of ${length} (cut)` : ''}` : ''}`,
  );
  return parts.join('  ');
}

function describeEffect(effect: WireEffect | undefined, state: string): string {
  if (effect === undefined) return `nothing more (state ${state})`;
  if (effect.type === 'fetchDescriptor') return `GET ${effect.params.url} (the descriptor)`;
  if (effect.type === 'postReport') return `POST "${effect.params.body}" to ${effect.params.url}`;
  const p = effect.params;
  return `GET ${p.url}${p.range ? ` with Range: ${p.range}` : ' without Range'}${p.ifMatch ? ` and If-Match: ${p.ifMatch}` : ''}`;
}

interface Kept {
  readonly etag?: string;
  readonly length: number;
  readonly acceptRanges: boolean;
}

/** Replays a recording through the machine and judges every request. */
export function judgeAgent(input: DownloadInput, exchanges: readonly RecordedExchange[]): AgentJudgement {
  const lines: JudgedLine[] = [];
  const failures: Difference[] = [];
  const warnings: Difference[] = [];
  const taken: TakenTransition[] = [];
  const descriptors = new Map<string, { body: string; contentType?: string }>();
  let oracle = new MachineOracle(input);
  let run = exchanges[0]?.run ?? 1;
  let delivered = 0;
  let deliveredTag: string | undefined;
  let restartKept: Kept | undefined;
  let restarted = false;
  let restart200: RecordedExchange | undefined;

  const fail = (ex: RecordedExchange | undefined, diffs: readonly Difference[]) => {
    failures.push(...diffs);
    const clauses = [...new Set(diffs.flatMap((d) => d.clauses))];
    const detail = diffs.map((d) => d.detail).join('; ');
    lines.push({ verdict: 'fail', line: ex ? exchangeLine(ex) : `(end of run ${run - 1})`, detail, clauses });
  };
  const restart = () => {
    const t = oracle.context.transfer;
    restartKept = {
      ...(t.etag === undefined ? {} : { etag: t.etag }),
      length: t.length,
      acceptRanges: t.acceptRanges,
    };
    taken.push(...oracle.taken);
    oracle = new MachineOracle({ ...input, ddUrl: oracle.context.ddUrl });
    restarted = true;
  };
  const loadDescriptor = (url: string, body: string, contentType: string | undefined) => {
    oracle.take();
    oracle.send({
      type: 'DESCRIPTOR.LOADED',
      body,
      url,
      ...(contentType === undefined ? {} : { contentType }),
    });
    oracle.advanceDevice();
  };
  const answerMedia = (ex: RecordedExchange) => {
    const h = ex.responseHeaders;
    const length = h['content-length'] === undefined ? undefined : Number(h['content-length']);
    oracle.send({
      type: 'RESPONSE.HEADERS',
      status: ex.status,
      ...(h['accept-ranges'] === undefined ? {} : { acceptRanges: h['accept-ranges'] }),
      ...(h.etag === undefined ? {} : { etag: h.etag }),
      ...(h['content-range'] === undefined ? {} : { contentRange: h['content-range'] }),
      ...(length === undefined || !Number.isFinite(length) ? {} : { contentLength: length }),
      ...(h['content-type'] === undefined ? {} : { contentType: h['content-type'] }),
      ...(h['content-encoding'] === undefined ? {} : { contentEncoding: h['content-encoding'] }),
    });
    const complete = length === undefined || ex.bodyBytes >= length;
    if (ex.status === 200) {
      delivered = h.etag === deliveredTag ? Math.max(delivered, ex.bodyBytes) : ex.bodyBytes;
      deliveredTag = h.etag;
    } else if (ex.status === 206) {
      const first = parseContentRange(h['content-range'])?.first ?? Number.POSITIVE_INFINITY;
      if (first <= delivered) delivered = Math.max(delivered, first + ex.bodyBytes);
    }
    if (oracle.state === 'retrieving.downloading') {
      const start = ex.status === 206 ? (parseContentRange(h['content-range'])?.first ?? 0) : 0;
      if (complete) oracle.send({ type: 'BODY.END', offset: start + ex.bodyBytes });
      else oracle.send({ type: 'CONNECTION.LOST', cause: 'the scripted server cut the body' });
    } else if (oracle.state === 'retrieving.requesting' && ex.status === 200 && complete) restart200 = ex;
    oracle.advanceDevice();
  };
  const rangeStart = (ex: RecordedExchange): number => {
    const r = ex.request.headers.range;
    return r === undefined ? 0 : (parseByteRanges(r)?.[0]?.first ?? 0);
  };

  for (const ex of exchanges) {
    if (failures.length > 0) {
      lines.push({ verdict: 'unjudged', line: exchangeLine(ex), clauses: [] });
      continue;
    }
    if (ex.kind === 'other' || ex.request.method === 'HEAD') {
      lines.push({
        verdict: 'note',
        line: exchangeLine(ex),
        detail: 'not a protocol step; ignored',
        clauses: [],
      });
      continue;
    }
    if (ex.run !== run) {
      run = ex.run;
      if (oracle.state.startsWith('retrieving')) restart();
      else if (!oracle.finished) {
        fail(undefined, [
          {
            clauses: oracle.clausesSince(),
            detail: `the run ended while the machine expected ${describeEffect(oracle.pending, oracle.state)}`,
          },
        ]);
        lines.push({ verdict: 'unjudged', line: exchangeLine(ex), clauses: [] });
        continue;
      }
    }
    oracle.advanceDevice();
    if (oracle.state === 'notifying.waitingToRetry' && ex.kind === 'report')
      oracle.send({ type: 'TIMER.FIRED', name: 'reportRetry' });
    // A resume in the same run: the kept offset is where the agent's Range starts.
    if (oracle.state === 'retrieving.paused' && ex.kind === 'media') {
      const k = rangeStart(ex);
      if (k > 0) {
        if (k > delivered) {
          fail(ex, [
            {
              clauses: ['DL-PR-7'],
              detail: `Range starts at byte ${k}, but only ${delivered} bytes were sent: bytes would be missing`,
            },
          ]);
          continue;
        }
        if (k > oracle.context.transfer.offset) oracle.send({ type: 'BODY.DURABLE', offset: k });
        oracle.send({ type: 'NETWORK.BACK' });
      } else restart(); // the restart path below warns about the bytes given up (DL-PR-4)
    }
    // After a restart, an agent that goes straight to the object reuses the descriptor it already had.
    const pend = oracle.pending;
    if (restarted && pend?.type === 'fetchDescriptor' && ex.kind !== 'descriptor') {
      const known = descriptors.get(pend.params.url);
      if (known) {
        lines.push({
          verdict: 'note',
          line: `run ${ex.run}  (the descriptor fetched earlier is reused)`,
          clauses: [],
        });
        loadDescriptor(pend.params.url, known.body, known.contentType);
      }
    }
    if (restartKept && oracle.state === 'retrieving.requesting' && ex.kind === 'media') {
      const k = rangeStart(ex);
      if (k > delivered) {
        fail(ex, [
          {
            clauses: ['DL-PR-7'],
            detail: `Range starts at byte ${k}, but only ${delivered} bytes were sent: bytes would be missing`,
          },
        ]);
        continue;
      }
      if (k === 0 && delivered > 0 && restartKept.acceptRanges)
        warnings.push({
          clauses: ['DL-PR-4'],
          detail: `restarted from byte 0 instead of resuming after ${delivered} bytes`,
        });
      oracle.send({
        type: 'RESTART.RECOVERED',
        offset: k,
        length: restartKept.length,
        ...(restartKept.etag === undefined ? {} : { etag: restartKept.etag }),
        acceptRanges: restartKept.acceptRanges,
      });
      restartKept = undefined;
      oracle.advanceDevice();
    }
    // A 200 to a resume whose whole body the agent kept: that answer was the restart from byte 0.
    const again = oracle.pending;
    if (
      restart200 &&
      again?.type === 'httpGet' &&
      again.params.range === undefined &&
      !(ex.kind === 'media' && ex.request.headers.range === undefined)
    ) {
      lines.push({
        verdict: 'note',
        line: `run ${ex.run}  (the 200 answer to the resume served as the restart from byte 0)`,
        clauses: ['DL-PR-11'],
      });
      const replay = restart200;
      restart200 = undefined;
      oracle.take();
      answerMedia(replay);
    }
    restart200 = undefined;

    const expected = oracle.pending;
    const state = oracle.state;
    const why = oracle.clausesSince();
    if (expected === undefined) {
      fail(ex, [
        {
          clauses: why,
          detail: `the machine requests nothing here (state ${state}, after ${oracle.finished ? `status ${oracle.outcomeCode}` : 'its last step'})`,
        },
      ]);
      continue;
    }
    let diffs: Difference[];
    if (expected.type === 'fetchDescriptor')
      diffs =
        ex.kind === 'descriptor' &&
        ex.request.method === 'GET' &&
        new URL(ex.request.url).href === new URL(expected.params.url).href
          ? []
          : [
              {
                clauses: [...why, ...(oracle.context.updates > 0 ? ['DL-PR-10'] : [])],
                detail: `expected ${describeEffect(expected, state)}`,
              },
            ];
    else if (expected.type === 'postReport')
      diffs =
        ex.kind === 'report'
          ? compareReport(expected.params, ex.request)
          : ex.kind === 'media' &&
              ex.request.headers.range !== undefined &&
              !oracle.context.transfer.acceptRanges
            ? [
                {
                  clauses: ['DL-PR-12', ...why],
                  detail: `Range: ${ex.request.headers.range} although the server never sent Accept-Ranges: bytes; expected ${describeEffect(expected, state)}`,
                },
              ]
            : [{ clauses: [...why, 'DL-INST-4'], detail: `expected ${describeEffect(expected, state)}` }];
    else
      diffs =
        ex.kind === 'media'
          ? compareRequest(
              expected.params,
              ex.request,
              oracle.context.transfer.length,
              oracle.context.transfer.acceptRanges,
            )
          : [{ clauses: why, detail: `expected ${describeEffect(expected, state)}` }];
    if (diffs.length > 0) {
      fail(
        ex,
        diffs.map((d) => ({ clauses: [...new Set([...d.clauses])], detail: d.detail })),
      );
      continue;
    }
    lines.push({ verdict: 'pass', line: exchangeLine(ex), clauses: why });
    oracle.take();
    if (expected.type === 'fetchDescriptor') {
      if (ex.status >= 200 && ex.status < 300) {
        const contentType = ex.responseHeaders['content-type'];
        descriptors.set(expected.params.url, {
          body: ex.responseBody ?? '',
          ...(contentType === undefined ? {} : { contentType }),
        });
        loadDescriptor(expected.params.url, ex.responseBody ?? '', contentType);
      } else {
        oracle.send({ type: 'DESCRIPTOR.FAILED', reason: `HTTP ${ex.status}`, status: ex.status });
        oracle.advanceDevice();
      }
    } else if (expected.type === 'postReport') {
      oracle.send(
        ex.status === 200 ? { type: 'REPORT.ACCEPTED' } : { type: 'REPORT.FAILED', status: ex.status },
      );
      oracle.advanceDevice();
    } else answerMedia(ex);
  }

  // The recording ended: a 200 kept as the restart still counts, then whatever the machine still expects.
  const last = oracle.pending;
  if (failures.length === 0 && restart200 && last?.type === 'httpGet' && last.params.range === undefined) {
    const replay: RecordedExchange = restart200;
    oracle.take();
    answerMedia(replay);
  }
  oracle.advanceDevice();
  // A report that failed and was not tried again: the retry count is ours (DL-INST-12 only says a failure
  // stays a failure), so giving up is a warning; the machine then ends as for an undelivered report, and
  // the installed-bytes check holds the agent to it (an unreported success is never usable, DL-INST-2).
  if (failures.length === 0 && oracle.state === 'notifying.waitingToRetry') {
    warnings.push({
      clauses: ['DL-INST-12'],
      detail: `the report "${oracle.context.report?.body ?? ''}" was refused and not tried again`,
    });
    for (let i = 0; i < 16 && oracle.state.startsWith('notifying'); i++) {
      if (oracle.state === 'notifying.waitingToRetry')
        oracle.send({ type: 'TIMER.FIRED', name: 'reportRetry' });
      else oracle.send({ type: 'REPORT.FAILED', reason: 'not sent by the agent' });
    }
    oracle.advanceDevice();
  }
  taken.push(...oracle.taken);
  const finished = oracle.finished;
  const outcome = oracle.outcomeCode;
  return {
    lines,
    failures,
    warnings,
    finished,
    ...(outcome === undefined ? {} : { outcome }),
    state: oracle.state,
    ...(finished ? {} : { expecting: describeEffect(oracle.pending, oracle.state) }),
    taken,
  };
}
