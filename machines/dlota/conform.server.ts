/**
 * What a Download Server's answers must be, as pure functions: the conformance kit (`dlstate conform
 * server`) sends probe requests and asks these functions whether each answer is compliant. The expected
 * answer to every media probe is {@link decideMediaResponse} — the very decision the reference server
 * runs — so the kit and the reference server cannot disagree about the protocol.
 *
 * Decision (editor's note on DL-PR-3): the ETag is judged by its opaque value. `"objectID/objectVersion"`
 * passes; the seed's unquoted form `objectID/objectVersion` passes DL-PR-3 (it is the value the seed
 * prints) but fails the separate SHOULD check of RFC 9110 §8.8.3 (an entity-tag is a quoted string); a weak
 * `W/"…"` tag fails DL-PR-3, since If-Match uses strong comparison and could never match it (DL-PR-9).
 *
 * @module
 */
import { isDescriptorMediaType, mediaTypeEssence } from './descriptor.fields.js';
import { DD1_MEDIA_TYPE, DD2_MEDIA_TYPE } from './descriptor.types.js';
import { type ContentRange, parseContentRange } from './download.logic.js';
import { etagFor, type MediaDecision, parseIfMatch } from './server.logic.js';

/** How a check ended: `skip` when it does not apply (the evidence says why). */
export type Verdict = 'pass' | 'fail' | 'skip';

/** One judgement: the verdict and the sentence that explains it. */
export interface Judgement {
  readonly verdict: Verdict;
  readonly detail: string;
}

/** The parts of an HTTP response a judgement reads; header names in lower case. */
export interface ObservedResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
}

const pass = (detail: string): Judgement => ({ verdict: 'pass', detail });
const fail = (detail: string): Judgement => ({ verdict: 'fail', detail });
const skip = (detail: string): Judgement => ({ verdict: 'skip', detail });

/**
 * Whether a descriptor answer's Content-Type is a DD media type (DL-DD-1). Stricter than the agent, which
 * also reads a DD served as generic XML or without a type: a server must label it.
 */
export function judgeDescriptorType(contentType: string | undefined): Judgement {
  const essence = mediaTypeEssence(contentType ?? '');
  if (essence === DD1_MEDIA_TYPE || essence === DD2_MEDIA_TYPE)
    return pass(`Content-Type ${essence} is a download descriptor type`);
  const tolerated = isDescriptorMediaType(contentType)
    ? ' (agents may tolerate it, but a server must label a DD)'
    : '';
  return fail(
    `Content-Type ${contentType ?? '(none)'} is neither ${DD1_MEDIA_TYPE} nor ${DD2_MEDIA_TYPE}${tolerated}`,
  );
}

/** The two ETag judgements: DL-PR-3 (the value) and RFC 9110 §8.8.3 (the quoted syntax). */
export interface EtagJudgement {
  readonly value: Judgement;
  readonly syntax: Judgement;
}

/**
 * Judges a media response's ETag against the DD's objectID and objectVersion (DL-PR-3); see the module
 * note for how quoted, unquoted and weak values are judged.
 */
export function judgeEtag(
  etag: string | undefined,
  objectID: string | undefined,
  objectVersion: string | undefined,
): EtagJudgement {
  if (objectID === undefined || objectVersion === undefined) {
    const why = 'the DD does not give both objectID and objectVersion, so DL-PR-3 does not apply';
    return { value: skip(why), syntax: etag === undefined ? skip(why) : judgeEtagSyntax(etag) };
  }
  const wanted = `${objectID}/${objectVersion}`;
  const expected = etagFor(objectID, objectVersion);
  if (etag === undefined) {
    const none = fail(`no ETag; the DD gives objectID and objectVersion, so the ETag must be ${expected}`);
    return { value: none, syntax: skip('no ETag sent') };
  }
  const parsed = parseIfMatch(etag);
  const expectedTag = parseIfMatch(expected);
  const expectedOpaque = expectedTag === '*' ? wanted : (expectedTag[0]?.opaque ?? wanted);
  const tag = parsed === '*' || parsed.length !== 1 ? undefined : parsed[0];
  let value: Judgement;
  if (tag === undefined) value = fail(`ETag ${etag} is not one entity-tag; expected ${expected}`);
  else if (tag.weak)
    value = fail(
      `ETag ${etag} is weak: If-Match uses strong comparison and never matches it; expected ${expected}`,
    );
  else if (tag.opaque === expectedOpaque || tag.opaque === wanted)
    value = pass(`ETag ${etag} is objectID/objectVersion (${wanted})`);
  else value = fail(`ETag ${etag} is not objectID/objectVersion; expected ${expected}`);
  return { value, syntax: judgeEtagSyntax(etag) };
}

/** RFC 9110 §8.8.3: an entity-tag is `"…"` or `W/"…"`. */
export function judgeEtagSyntax(etag: string): Judgement {
  return /^(W\/)?"[^"]*"$/.test(etag.trim())
    ? pass(`ETag ${etag} is a quoted entity-tag`)
    : fail(`ETag ${etag} is not quoted; on the wire an entity-tag is a quoted string (RFC 9110 §8.8.3)`);
}

/** Whether `Accept-Ranges` says `bytes` (DL-PR-2). */
export function acceptsByteRanges(value: string | undefined): boolean {
  return (value ?? '')
    .split(',')
    .map((unit) => unit.trim().toLowerCase())
    .includes('bytes');
}

/**
 * DL-PR-1/DL-PR-2 from the full GET and a ranged GET: `Accept-Ranges: bytes` sent → pass; not sent while a
 * Range was honoured with 206 → the server supports ranges without saying so (fail, MUST); not sent and
 * ranges ignored → the server does not support pause/resume (reported under the SHOULD of DL-PR-1).
 */
export function judgeAcceptRanges(
  full: ObservedResponse,
  ranged: ObservedResponse | undefined,
): { readonly dlpr2: Judgement; readonly dlpr1: Judgement } {
  const said = acceptsByteRanges(full.headers['accept-ranges']);
  const honoured = ranged?.status === 206;
  if (said) {
    const ok = pass(`Accept-Ranges: ${full.headers['accept-ranges']}`);
    return { dlpr2: ok, dlpr1: ok };
  }
  if (honoured) {
    return {
      dlpr2: fail('no Accept-Ranges: bytes on the 200, yet a Range was answered 206: say so (DL-PR-2)'),
      dlpr1: pass('byte ranges are served (206)'),
    };
  }
  return {
    dlpr2: skip('no Accept-Ranges: bytes and ranges are ignored: the server does not offer pause/resume'),
    dlpr1: fail('no byte-range support: agents cannot pause and resume (DL-PR-1, DL-PR-12)'),
  };
}

/** Content-Length of the full GET against the DD size (an agent reports 905 on a mismatch, DL-INST-10). */
export function judgeContentLength(contentLength: string | undefined, ddSize: number): Judgement {
  if (contentLength === undefined) return fail(`no Content-Length; the DD size is ${ddSize}`);
  return Number(contentLength) === ddSize
    ? pass(`Content-Length ${contentLength} = DD size`)
    : fail(`Content-Length ${contentLength} differs from the DD size ${ddSize} (an agent reports 905)`);
}

/** The tail range a resume probe asks for: from the middle of the object (at most the last `window` bytes). */
export function tailProbe(
  size: number,
  window = 1024 * 1024,
): { readonly first: number; readonly last: number } {
  const first = Math.max(Math.floor(size / 2), size - window);
  return { first: Math.min(first, Math.max(0, size - 1)), last: size - 1 };
}

/**
 * Compares an observed answer with the decided one ({@link decideMediaResponse}): the status, and for 206
 * and 416 the Content-Range. Returns one sentence per difference (empty = compliant).
 */
export function compareWithDecision(expected: MediaDecision, actual: ObservedResponse): string[] {
  const problems: string[] = [];
  if (actual.status !== expected.status) {
    problems.push(
      `status ${actual.status}, expected ${expected.status}${expected.note ? ` (${expected.note})` : ''}`,
    );
    return problems;
  }
  const wantedRange = expected.headers['Content-Range'];
  if (wantedRange !== undefined) {
    const got = actual.headers['content-range'];
    if (got === undefined) problems.push(`no Content-Range, expected ${wantedRange}`);
    else if (!sameContentRange(got, wantedRange))
      problems.push(`Content-Range ${got}, expected ${wantedRange}`);
  }
  if (expected.status === 206 && expected.body) {
    const length = actual.headers['content-length'];
    const wantedLength = expected.body.end - expected.body.start + 1;
    if (length !== undefined && Number(length) !== wantedLength)
      problems.push(`Content-Length ${length}, expected ${wantedLength}`);
  }
  return problems;
}

function sameContentRange(a: string, b: string): boolean {
  const unsatisfied = (v: string) => /^\s*bytes\s+\*\/(\d+)\s*$/i.exec(v)?.[1];
  const ua = unsatisfied(a);
  if (ua !== undefined) return ua === unsatisfied(b);
  const ra: ContentRange | null = parseContentRange(a);
  const rb = parseContentRange(b);
  return (
    ra !== null && rb !== null && ra.first === rb.first && ra.last === rb.last && ra.length === rb.length
  );
}

/** A stale entity-tag for the If-Match probe: never the current one. */
export function staleEtag(current: string | undefined): string {
  const stale = '"dlstate-conform-stale/0"';
  return current === stale ? '"dlstate-conform-stale/1"' : stale;
}
