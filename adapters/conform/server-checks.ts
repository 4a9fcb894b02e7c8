/**
 * `dlstate conform server <dd-url>`: probes a Download Server through its descriptor — read-only unless a
 * status report is asked for — and judges every answer with the pure functions of
 * `machines/dlota/conform.server.ts` (the expected media answers are the reference server's own
 * {@link decideMediaResponse}). This module only sends the probes and collects the evidence.
 *
 * @module
 */
import {
  compareWithDecision,
  type Judgement,
  judgeAcceptRanges,
  judgeContentLength,
  judgeDescriptorType,
  judgeEtag,
  staleEtag,
  tailProbe,
} from '../../machines/dlota/conform.server.js';
import { parseDescriptor } from '../../machines/dlota/descriptor.js';
import { DD1_MEDIA_TYPE, DD2_MEDIA_TYPE, type MediaObject } from '../../machines/dlota/descriptor.types.js';
import { headerConflict } from '../../machines/dlota/download.logic.js';
import { decideMediaResponse } from '../../machines/dlota/server.logic.js';
import { parseStatusLine, STATUS_OUTCOMES, statusLine } from '../../machines/dlota/status.js';
import { ProbeError, type ProbeRequest, type ProbeResponse, probe } from './probe.js';
import type { ConformCheck, ConformReport } from './report.js';
import { UntestableError } from './report.js';
import { CHECKS, type CheckSpec } from './server-catalogue.js';

/** Options of {@link runServerConformance}. */
export interface ServerConformanceOptions {
  /** POST this status code to the installNotifyURI (a side effect on the server); off by default. */
  readonly sendReport?: number;
  /** Per-request timeout. @default 10000 */
  readonly timeoutMs?: number;
}

function check(spec: CheckSpec, judgement: Judgement, evidence: readonly string[]): ConformCheck {
  return { ...spec, verdict: judgement.verdict, detail: judgement.detail, evidence };
}

function skipped(spec: CheckSpec, why: string): ConformCheck {
  return check(spec, { verdict: 'skip', detail: why }, []);
}

/** Probes the server behind `ddUrl`; throws {@link UntestableError} when there is nothing to test. */
export async function runServerConformance(
  ddUrl: string,
  options: ServerConformanceOptions = {},
): Promise<ConformReport> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const send = async (req: ProbeRequest): Promise<ProbeResponse> => probe({ timeoutMs, ...req });
  const checks: ConformCheck[] = [];
  const done = (): ConformReport => ({ kind: 'server', target: ddUrl, checks });
  // Every check not yet decided is skipped with the reason the run could not get to it.
  const rest = (why: string) => {
    for (const spec of Object.values(CHECKS) as CheckSpec[]) {
      if (spec === CHECKS.report && options.sendReport === undefined) continue;
      if (!checks.some((c) => c.id === spec.id)) checks.push(skipped(spec, why));
    }
  };

  // The descriptor.
  let dd: ProbeResponse;
  try {
    dd = await send({ method: 'GET', url: ddUrl });
  } catch (error) {
    if (error instanceof ProbeError)
      throw new UntestableError(`cannot reach the descriptor: ${error.message}`, error.evidence);
    throw error;
  }
  const body = dd.body.toString('utf8');
  const looksLikeDd = /<([\w.-]+:)?media[\s>/]/.test(body);
  if (dd.status < 200 || dd.status > 299) {
    throw new UntestableError(
      `GET ${ddUrl} answered ${dd.status} ${dd.statusText}: no descriptor to test`,
      dd.evidence,
    );
  }
  if (!looksLikeDd && judgeDescriptorType(dd.headers['content-type']).verdict !== 'pass') {
    throw new UntestableError(
      `GET ${ddUrl} answered ${dd.headers['content-type'] ?? 'no Content-Type'} without a <media> root: not a download descriptor`,
      dd.evidence,
    );
  }
  checks.push(
    check(CHECKS.ddFetch, { verdict: 'pass', detail: `${dd.status} ${dd.statusText}` }, dd.evidence),
  );
  const typeJudgement = judgeDescriptorType(dd.headers['content-type']);
  checks.push(
    check(CHECKS.ddType, typeJudgement, dd.evidence.filter((l) => !l.startsWith('< (')).slice(0, 3)),
  );
  // Validity is judged on its own: a wrong Content-Type is the check above, so parse as the DD the body is.
  const mediaType =
    typeJudgement.verdict === 'pass'
      ? (dd.headers['content-type'] ?? DD2_MEDIA_TYPE)
      : body.includes('urn:oma:xml:dl:dd:2.0')
        ? DD2_MEDIA_TYPE
        : DD1_MEDIA_TYPE;
  const parsed = parseDescriptor(body, { baseUrl: ddUrl, mediaType });
  if (!parsed.ok) {
    const where = parsed.line === undefined ? '' : ` (line ${parsed.line}, column ${parsed.column ?? '?'})`;
    checks.push(
      check(
        CHECKS.ddValid,
        {
          verdict: 'fail',
          detail: `${parsed.reason}${where} → an agent reports ${parsed.outcome === 'invalidDDVersion' ? 951 : 906}`,
        },
        [],
      ),
    );
    rest('the descriptor is not valid');
    return done();
  }
  const object: MediaObject | undefined = parsed.dd.products[0]?.mediaObjects[0];
  if (object === undefined) throw new UntestableError('the descriptor has no media object');
  checks.push(
    check(
      CHECKS.ddValid,
      {
        verdict: 'pass',
        detail: `DD ${parsed.dd.version}: size ${object.size}, type ${object.types.join(', ')}`,
      },
      [
        `objectURI → ${object.objectURIs[0]}`,
        ...(object.objectID === undefined ? [] : [`objectID ${object.objectID}`]),
        ...(object.objectVersion === undefined ? [] : [`objectVersion ${object.objectVersion}`]),
      ],
    ),
  );

  // The full GET, keeping the bytes the tail probe will ask for.
  const mediaUrl = object.objectURIs[0] ?? '';
  const tail = tailProbe(object.size);
  let full: ProbeResponse;
  try {
    full = await send({ method: 'GET', url: mediaUrl, keep: { from: tail.first, to: tail.last } });
  } catch (error) {
    if (!(error instanceof ProbeError)) throw error;
    checks.push(check(CHECKS.objectUri, { verdict: 'fail', detail: error.message }, error.evidence));
    rest('the media object could not be fetched');
    return done();
  }
  const fetched = full.status === 200;
  checks.push(
    check(
      CHECKS.objectUri,
      {
        verdict: fetched ? 'pass' : 'fail',
        detail: fetched ? `GET ${mediaUrl} → 200` : `GET ${mediaUrl} → ${full.status}; an agent reports 954`,
      },
      full.evidence,
    ),
  );
  checks.push(await updatedDescriptorCheck(parsed.dd.updatedDDURI, send));
  if (!fetched) {
    rest('the media object is not served');
    return done();
  }
  const length = full.bodyBytes;

  // Resume behaviour: the probes an agent's resume sends, each judged against decideMediaResponse.
  const tailRange = `bytes=${tail.first}-${tail.last}`;
  const ranged = await send({ method: 'GET', url: mediaUrl, headers: { Range: tailRange } });
  const ranges = judgeAcceptRanges(full, ranged);
  const evidenceOf = (r: ProbeResponse) => r.evidence;
  checks.push(
    check(CHECKS.acceptRanges, ranges.dlpr2, [
      ...full.evidence.filter(
        (l) => l.startsWith('> GET') || l.includes('accept-ranges') || l.startsWith('< HTTP'),
      ),
      ...evidenceOf(ranged),
    ]),
  );
  checks.push(check(CHECKS.rangeSupport, ranges.dlpr1, evidenceOf(ranged)));
  const etag = full.headers.etag;
  const etagJudgement = judgeEtag(etag, object.objectID, object.objectVersion);
  const etagEvidence = [
    `DD objectID ${object.objectID ?? '(none)'}, objectVersion ${object.objectVersion ?? '(none)'}`,
    `< etag: ${etag ?? '(none)'}`,
  ];
  checks.push(check(CHECKS.etag, etagJudgement.value, etagEvidence));
  checks.push(check(CHECKS.etagSyntax, etagJudgement.syntax, etagEvidence));
  checks.push(
    check(CHECKS.contentLength, judgeContentLength(full.headers['content-length'], object.size), [
      `DD size ${object.size}`,
      `< content-length: ${full.headers['content-length'] ?? '(none)'}`,
    ]),
  );
  const typeConflict = headerConflict(object, { contentType: full.headers['content-type'] ?? '' });
  checks.push(
    check(
      CHECKS.contentType,
      typeConflict === null
        ? {
            verdict: 'pass',
            detail: `Content-Type ${full.headers['content-type'] ?? '(none)'} fits the DD types`,
          }
        : { verdict: 'fail', detail: `${typeConflict} (an agent reports 905)` },
      [`DD type ${object.types.join(', ')}`, `< content-type: ${full.headers['content-type'] ?? '(none)'}`],
    ),
  );

  const supportsRanges = ranges.dlpr1.verdict === 'pass';
  const expectedTail = decideMediaResponse({ length }, { method: 'GET', range: tailRange });
  if (supportsRanges) {
    const problems = compareWithDecision(expectedTail, ranged);
    const same = ranged.body.equals(full.body);
    if (ranged.status === 206 && !same)
      problems.push(`the 206 body differs from bytes ${tail.first}-${tail.last} of the full GET`);
    checks.push(
      check(
        CHECKS.tail,
        problems.length === 0
          ? {
              verdict: 'pass',
              detail: `206, Content-Range bytes ${tail.first}-${tail.last}/${length}, same bytes as the full GET`,
            }
          : { verdict: 'fail', detail: problems.join('; ') },
        ranged.evidence,
      ),
    );
  } else checks.push(skipped(CHECKS.tail, 'the server does not serve byte ranges (see media.range-support)'));

  if (etag !== undefined && supportsRanges) {
    const current = await send({
      method: 'GET',
      url: mediaUrl,
      headers: { Range: tailRange, 'If-Match': etag },
    });
    const problems = compareWithDecision(expectedTail, current);
    checks.push(
      check(
        CHECKS.ifMatchCurrent,
        problems.length === 0
          ? { verdict: 'pass', detail: 'the current ETag matches: 206' }
          : {
              verdict: 'fail',
              detail: `${problems.join('; ')}: a compliant agent's resume (DL-PR-9) would fail`,
            },
        current.evidence,
      ),
    );
  } else
    checks.push(
      skipped(
        CHECKS.ifMatchCurrent,
        etag === undefined ? 'no ETag: agents cannot send If-Match' : 'no byte ranges',
      ),
    );

  const stale = staleEtag(etag);
  const staleRequest = { Range: tailRange, 'If-Match': stale };
  const staleAnswer = await send({ method: 'GET', url: mediaUrl, headers: staleRequest });
  const expectedStale = decideMediaResponse({ length }, { method: 'GET', range: tailRange, ifMatch: stale });
  const staleProblems = compareWithDecision(expectedStale, staleAnswer);
  checks.push(
    check(
      CHECKS.ifMatchStale,
      staleProblems.length === 0
        ? {
            verdict: 'pass',
            detail: 'a stale ETag fails the precondition: 412, so agents report 957 and re-fetch the DD',
          }
        : {
            verdict: 'fail',
            detail: `${staleProblems.join('; ')}: an agent resuming a changed object would append bytes of another version`,
          },
      staleAnswer.evidence,
    ),
  );

  const beyond = `bytes=${length}-`;
  if (supportsRanges) {
    const unsat = await send({ method: 'GET', url: mediaUrl, headers: { Range: beyond } });
    const problems = compareWithDecision(
      decideMediaResponse({ length }, { method: 'GET', range: beyond }),
      unsat,
    );
    checks.push(
      check(
        CHECKS.unsatisfiable,
        problems.length === 0
          ? { verdict: 'pass', detail: `416 with Content-Range bytes */${length}` }
          : { verdict: 'fail', detail: problems.join('; ') },
        unsat.evidence,
      ),
    );
  } else checks.push(skipped(CHECKS.unsatisfiable, 'the server does not serve byte ranges'));

  const both = await send({ method: 'GET', url: mediaUrl, headers: { Range: beyond, 'If-Match': stale } });
  const bothProblems = compareWithDecision(
    decideMediaResponse({ length }, { method: 'GET', range: beyond, ifMatch: stale }),
    both,
  );
  checks.push(
    check(
      CHECKS.precedence,
      bothProblems.length === 0
        ? { verdict: 'pass', detail: 'If-Match decided first: 412' }
        : { verdict: 'fail', detail: bothProblems.join('; ') },
      both.evidence,
    ),
  );

  if (options.sendReport !== undefined)
    checks.push(
      await reportCheck(
        parsed.dd.products[0]?.installNotifyURI ?? parsed.dd.installNotifyURI,
        options.sendReport,
        send,
      ),
    );
  return done();
}

async function updatedDescriptorCheck(
  updatedDDURI: string | undefined,
  send: (req: ProbeRequest) => Promise<ProbeResponse>,
): Promise<ConformCheck> {
  if (updatedDDURI === undefined) return skipped(CHECKS.updatedDd, 'the descriptor has no updatedDDURI');
  try {
    const answer = await send({ method: 'GET', url: updatedDDURI });
    if (answer.status < 200 || answer.status > 299)
      return check(
        CHECKS.updatedDd,
        { verdict: 'fail', detail: `updatedDDURI answered ${answer.status}` },
        answer.evidence,
      );
    const parsed = parseDescriptor(answer.body.toString('utf8'), {
      baseUrl: updatedDDURI,
      mediaType: answer.headers['content-type'] ?? '',
    });
    return check(
      CHECKS.updatedDd,
      parsed.ok
        ? { verdict: 'pass', detail: `${updatedDDURI} serves a valid descriptor` }
        : { verdict: 'fail', detail: `${updatedDDURI}: ${parsed.reason}` },
      answer.evidence,
    );
  } catch (error) {
    if (error instanceof ProbeError)
      return check(CHECKS.updatedDd, { verdict: 'fail', detail: error.message }, error.evidence);
    throw error;
  }
}

async function reportCheck(
  notifyUri: string | undefined,
  code: number,
  send: (req: ProbeRequest) => Promise<ProbeResponse>,
): Promise<ConformCheck> {
  if (notifyUri === undefined) return skipped(CHECKS.report, 'the descriptor has no installNotifyURI');
  const outcome = STATUS_OUTCOMES.find((o) => parseStatusLine(statusLine(o))?.code === code);
  const body = outcome === undefined ? `${code} Status` : statusLine(outcome);
  try {
    const answer = await send({
      method: 'POST',
      url: notifyUri,
      headers: { 'Content-Type': 'text/plain' },
      body,
    });
    return check(
      CHECKS.report,
      answer.status === 200
        ? { verdict: 'pass', detail: `"${body}" delivered: 200` }
        : {
            verdict: 'fail',
            detail: `"${body}" answered ${answer.status}: agents count the report as not delivered`,
          },
      answer.evidence,
    );
  } catch (error) {
    if (error instanceof ProbeError)
      return check(CHECKS.report, { verdict: 'fail', detail: error.message }, error.evidence);
    throw error;
  }
}
