import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDownloadServer } from '../../adapters/server/server.js';
import {
  decideMediaResponse,
  type MediaDecision,
  type ServedObject,
} from '../../machines/dlota/server.logic.js';
import { fcParams } from '../fc.js';
import { verifies } from '../verifies.js';

/** An object the server decides about: length 0–5000, identity given or not. */
const objectArb: fc.Arbitrary<ServedObject> = fc.record(
  {
    length: fc.integer({ min: 0, max: 5000 }),
    objectID: fc.stringMatching(/^[a-z0-9@.]{1,12}$/),
    objectVersion: fc.stringMatching(/^[0-9]{1,2}\.[0-9]$/),
  },
  { requiredKeys: ['length'] },
);

/** A Range header spec: one of the shapes RFC 9110 §14.1.2 allows, plus every way to get it wrong. */
type RangeCase =
  | { kind: 'none' }
  | { kind: 'closed'; first: number; last: number }
  | { kind: 'open'; first: number }
  | { kind: 'suffix'; n: number }
  | { kind: 'multi'; parts: string[] }
  | { kind: 'unit'; unit: string }
  | { kind: 'raw'; header: string };

const pos = fc.integer({ min: 0, max: 6000 });
const rangeArb: fc.Arbitrary<RangeCase> = fc.oneof(
  fc.constant<RangeCase>({ kind: 'none' }),
  fc.record({ kind: fc.constant('closed' as const), first: pos, last: pos }),
  fc.record({ kind: fc.constant('open' as const), first: pos }),
  fc.record({ kind: fc.constant('suffix' as const), n: pos }),
  fc.record({
    kind: fc.constant('multi' as const),
    parts: fc.array(
      fc.oneof(
        fc.tuple(pos, pos).map(([a, b]) => `${a}-${b}`),
        pos.map((n) => `-${n}`),
      ),
      { minLength: 2, maxLength: 4 },
    ),
  }),
  fc.record({ kind: fc.constant('unit' as const), unit: fc.constantFrom('items', 'none', 'pages') }),
  fc.record({
    kind: fc.constant('raw' as const),
    header: fc.oneof(
      fc.constantFrom('1034-25431', 'bytes=', 'bytes=-', 'bytes=a-b', 'bytes 0-1', '=0-1', 'bytes=0-1,'),
      fc.string({ maxLength: 20 }),
    ),
  }),
);

function rangeHeader(r: RangeCase): string | undefined {
  switch (r.kind) {
    case 'none':
      return undefined;
    case 'closed':
      return `bytes=${r.first}-${r.last}`;
    case 'open':
      return `bytes=${r.first}-`;
    case 'suffix':
      return `bytes=-${r.n}`;
    case 'multi':
      return `bytes=${r.parts.join(',')}`;
    case 'unit':
      return `${r.unit}=0-1`;
    case 'raw':
      return r.header;
  }
}

/** An If-Match header relative to the object's ETag `"id/ver"`. */
type IfMatchCase = 'none' | 'same' | 'star' | 'weak' | 'other' | 'list-with-same' | 'bare-same' | 'garbage';
const ifMatchArb = fc.constantFrom<IfMatchCase>(
  'none',
  'same',
  'star',
  'weak',
  'other',
  'list-with-same',
  'bare-same',
  'garbage',
);

function ifMatchHeader(c: IfMatchCase, object: ServedObject): string | undefined {
  const opaque = `${object.objectID ?? 'x'}/${object.objectVersion ?? '0'}`;
  switch (c) {
    case 'none':
      return undefined;
    case 'same':
      return `"${opaque}"`;
    case 'star':
      return '*';
    case 'weak':
      return `W/"${opaque}"`;
    case 'other':
      return `"${opaque}-old"`;
    case 'list-with-same':
      return `"nope", "${opaque}"`;
    case 'bare-same':
      return opaque;
    case 'garbage':
      return '"unterminated';
  }
}

/** The oracle for If-Match (RFC 9110 §13.1.1, strong comparison; B.6's bare tag read as one opaque tag). */
function ifMatchPassesOracle(c: IfMatchCase, object: ServedObject): boolean {
  const hasEtag = object.objectID !== undefined && object.objectVersion !== undefined;
  if (c === 'star') return true;
  if (!hasEtag) return false;
  return c === 'same' || c === 'list-with-same' || c === 'bare-same';
}

/** The one satisfiable byte range of a request, by RFC 9110 §14.1.2 / §14.1.3; `null` if none. */
function satisfiable(r: RangeCase, length: number): { start: number; end: number } | null {
  if (length === 0) return null;
  if (r.kind === 'closed')
    return r.first <= r.last && r.first < length
      ? { start: r.first, end: Math.min(r.last, length - 1) }
      : null;
  if (r.kind === 'open') return r.first < length ? { start: r.first, end: length - 1 } : null;
  if (r.kind === 'suffix') return r.n > 0 ? { start: Math.max(0, length - r.n), end: length - 1 } : null;
  return null;
}

/** Whether every part is `first-last` inside the object, and the parts are disjoint and ascending. */
function orderlyParts(parts: readonly string[], length: number): boolean {
  let previousEnd = -1;
  for (const part of parts) {
    const m = /^(\d+)-(\d+)$/.exec(part);
    if (!m) return false;
    const [first, last] = [Number(m[1]), Number(m[2])];
    if (first > last || last >= length || first <= previousEnd) return false;
    previousEnd = last;
  }
  return true;
}

function checkCommon(object: ServedObject, d: MediaDecision): void {
  // DL-PR-2: Accept-Ranges: bytes on every media response.
  expect(d.headers['Accept-Ranges']).toBe('bytes');
  // DL-PR-3: ETag "objectID/objectVersion" when both are known, none otherwise.
  const etag =
    object.objectID !== undefined && object.objectVersion !== undefined
      ? `"${object.objectID}/${object.objectVersion}"`
      : undefined;
  expect(d.headers.ETag).toBe(etag);
  const contentRange = d.headers['Content-Range'];
  if (d.status === 206) {
    const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(contentRange ?? '');
    expect(m).not.toBeNull();
    expect(d.body).toEqual({ start: Number(m![1]), end: Number(m![2]) });
    expect(Number(m![3])).toBe(object.length);
    expect(d.body!.start).toBeLessThanOrEqual(d.body!.end);
    expect(d.body!.end).toBeLessThan(object.length);
  } else if (d.status === 416) {
    expect(contentRange).toBe(`bytes */${object.length}`);
    expect(d.body).toBeNull();
  } else {
    expect(contentRange).toBeUndefined();
    if (d.status === 200)
      expect(d.body).toEqual(object.length > 0 ? { start: 0, end: object.length - 1 } : null);
    if (d.status === 412) expect(d.body).toBeNull();
  }
}

describe('reference server decisions (fast-check)', () => {
  it(
    verifies(
      ['DL-PR-2', 'DL-PR-3', 'DL-PR-1', 'DL-EX-B6'],
      'any Range × If-Match: 412 iff If-Match fails strong comparison (before Range); 206 iff one satisfiable bytes range, Content-Range = body; several ranges → 200 unless refused; 416 says bytes */len',
    ),
    () => {
      fc.assert(
        fc.property(
          objectArb,
          rangeArb,
          ifMatchArb,
          fc.constantFrom('GET', 'HEAD' as const),
          (object, r, im, method) => {
            // A suffix longer than the object has its own test below (range-parser answers it -1).
            fc.pre(!(r.kind === 'suffix' && r.n > object.length && object.length > 0));
            const range = rangeHeader(r);
            const ifMatch = ifMatchHeader(im, object);
            const d = decideMediaResponse(object, {
              method: method as 'GET' | 'HEAD',
              ...(range === undefined ? {} : { range }),
              ...(ifMatch === undefined ? {} : { ifMatch }),
            });
            checkCommon(object, d);
            const fails = ifMatch !== undefined && !ifMatchPassesOracle(im, object);
            expect(d.status === 412).toBe(fails);
            if (fails) return;
            if (range === undefined) {
              expect(d.status).toBe(200);
              return;
            }
            const single = satisfiable(r, object.length);
            expect(d.status === 206).toBe(single !== null);
            if (single) expect(d.body).toEqual(single);
            if (r.kind === 'unit') expect(d.status).toBe(200);
            if (r.kind === 'multi') {
              // Several ranges: 200 with the whole object, or 416 when none is satisfiable or the set is
              // abusive (RFC 9110 §14.2); closed, in-bounds, disjoint, ascending parts are never refused.
              expect([200, 416]).toContain(d.status);
              if (orderlyParts(r.parts, object.length)) expect(d.status).toBe(200);
            } else if (r.kind !== 'unit' && r.kind !== 'raw' && single === null) {
              expect(d.status).toBe(416);
            }
          },
        ),
        fcParams(1000),
      );
    },
  );

  it(
    verifies(
      'DL-PR-1',
      'RFC 9110 §14.1.3: a suffix range longer than the object selects the whole object (206 bytes 0-(len-1)/len)',
    ),
    () => {
      // range-parser 1.2.1 drops such a range as unsatisfiable (start < 0), so the decision says 416.
      for (const [length, n] of [
        [1, 2],
        [100, 200],
      ] as const) {
        const d = decideMediaResponse({ length }, { method: 'GET', range: `bytes=-${n}` });
        expect([d.status, d.headers['Content-Range']]).toEqual([206, `bytes 0-${length - 1}/${length}`]);
      }
    },
  );

  it(
    verifies(
      ['DL-PR-2', 'DL-PR-3'],
      'any header strings: a decision, never an exception; headers stay consistent',
    ),
    () => {
      fc.assert(
        fc.property(
          objectArb,
          fc.option(fc.string(), { nil: undefined }),
          fc.option(fc.string(), { nil: undefined }),
          (object, range, ifMatch) => {
            const d = decideMediaResponse(object, {
              method: 'GET',
              ...(range === undefined ? {} : { range }),
              ...(ifMatch === undefined ? {} : { ifMatch }),
            });
            expect([200, 206, 412, 416]).toContain(d.status);
            checkCommon(object, d);
          },
        ),
        fcParams(1000),
      );
    },
  );
});

describe('reference server on loopback (fast-check, bounded runs)', () => {
  const SIZE = 5000;
  const bytes = Buffer.from(Array.from({ length: SIZE }, (_, i) => (i * 131 + 7) % 256));
  let dir = '';
  let server: Awaited<ReturnType<typeof startDownloadServer>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dlstate-prop-'));
    writeFileSync(join(dir, 'object.bin'), bytes);
    server = await startDownloadServer({ dir });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    verifies(['DL-PR-2', 'DL-EX-B6'], 'the body bytes are exactly the bytes Content-Range names'),
    async () => {
      const url = `${server.url}/media/object.bin`;
      await fc.assert(
        fc.asyncProperty(rangeArb, async (r) => {
          const range = rangeHeader(r);
          const res = await request(url, {
            headers: range === undefined ? {} : { range },
            headersTimeout: 5000,
            bodyTimeout: 5000,
          });
          const body = Buffer.from(await res.body.arrayBuffer());
          expect(res.headers['accept-ranges']).toBe('bytes');
          if (res.statusCode === 206) {
            const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(res.headers['content-range']));
            expect(m).not.toBeNull();
            const [start, end, total] = [Number(m![1]), Number(m![2]), Number(m![3])];
            expect(total).toBe(SIZE);
            expect(body.equals(bytes.subarray(start, end + 1))).toBe(true);
            expect(Number(res.headers['content-length'])).toBe(end - start + 1);
          } else if (res.statusCode === 200) {
            expect(body.equals(bytes)).toBe(true);
          } else {
            expect(res.statusCode).toBe(416);
            expect(res.headers['content-range']).toBe(`bytes */${SIZE}`);
          }
        }),
        fcParams(30),
      );
    },
  );
});
