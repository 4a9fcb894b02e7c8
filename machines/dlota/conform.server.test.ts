import { describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import {
  compareWithDecision,
  judgeAcceptRanges,
  judgeDescriptorType,
  judgeEtag,
  staleEtag,
  tailProbe,
} from './conform.server.js';
import { decideMediaResponse } from './server.logic.js';

describe('conform server judgements', () => {
  it(
    verifies(
      'DL-PR-3',
      'ETag: quoted passes, unquoted passes the value and fails the syntax, weak and other fail',
    ),
    () => {
      expect(judgeEtag('"a@b/1.1"', 'a@b', '1.1').value.verdict).toBe('pass');
      expect(judgeEtag('"a@b/1.1"', 'a@b', '1.1').syntax.verdict).toBe('pass');
      const bare = judgeEtag('a@b/1.1', 'a@b', '1.1');
      expect([bare.value.verdict, bare.syntax.verdict]).toEqual(['pass', 'fail']);
      expect(judgeEtag('W/"a@b/1.1"', 'a@b', '1.1').value.verdict).toBe('fail');
      expect(judgeEtag('"5f3c-fa0"', 'a@b', '1.1').value.detail).toMatch(/expected "a@b\/1\.1"/);
      expect(judgeEtag(undefined, 'a@b', '1.1').value.verdict).toBe('fail');
      expect(judgeEtag('"x"', undefined, '1.1').value.verdict).toBe('skip');
    },
  );

  it(
    verifies(
      ['DL-PR-1', 'DL-PR-2'],
      'Accept-Ranges: said, unsaid but served (MUST), unsaid and not served (SHOULD)',
    ),
    () => {
      const full = (ar?: string) => ({ status: 200, headers: { 'accept-ranges': ar } });
      expect(judgeAcceptRanges(full('bytes'), { status: 206, headers: {} }).dlpr2.verdict).toBe('pass');
      const unsaid = judgeAcceptRanges(full(), { status: 206, headers: {} });
      expect([unsaid.dlpr2.verdict, unsaid.dlpr1.verdict]).toEqual(['fail', 'pass']);
      const none = judgeAcceptRanges(full('none'), { status: 200, headers: {} });
      expect([none.dlpr2.verdict, none.dlpr1.verdict]).toEqual(['skip', 'fail']);
    },
  );

  it(verifies('DL-DD-1', 'a descriptor must be labelled with a DD media type; generic XML fails'), () => {
    expect(judgeDescriptorType('application/vnd.oma.dd2+xml; charset=utf-8').verdict).toBe('pass');
    expect(judgeDescriptorType('application/vnd.oma.dd+xml').verdict).toBe('pass');
    expect(judgeDescriptorType('text/xml').verdict).toBe('fail');
    expect(judgeDescriptorType(undefined).verdict).toBe('fail');
  });

  it(
    verifies(
      'DL-EX-B6',
      'the expected answers are the reference decision: B.6 tail, 416, stale If-Match first',
    ),
    () => {
      const tail = decideMediaResponse({ length: 25432 }, { method: 'GET', range: 'bytes=1034-25431' });
      const ok = {
        status: 206,
        headers: { 'content-range': 'bytes 1034-25431/25432', 'content-length': '24398' },
      };
      expect(compareWithDecision(tail, ok)).toEqual([]);
      expect(
        compareWithDecision(tail, { ...ok, headers: { 'content-range': 'bytes 0-24397/25432' } }),
      ).toEqual(['Content-Range bytes 0-24397/25432, expected bytes 1034-25431/25432']);
      expect(compareWithDecision(tail, { status: 200, headers: {} })[0]).toMatch(/^status 200, expected 206/);
      const unsat = decideMediaResponse({ length: 10 }, { method: 'GET', range: 'bytes=10-' });
      expect(compareWithDecision(unsat, { status: 416, headers: { 'content-range': 'bytes */10' } })).toEqual(
        [],
      );
      expect(compareWithDecision(unsat, { status: 416, headers: {} })).toEqual([
        'no Content-Range, expected bytes */10',
      ]);
      const stale = staleEtag('"x/1"');
      const both = decideMediaResponse({ length: 10 }, { method: 'GET', range: 'bytes=10-', ifMatch: stale });
      expect(both.status).toBe(412);
      expect(staleEtag(stale)).not.toBe(stale);
    },
  );

  it('the tail probe asks the second half, at most the last MiB, and at least one byte', () => {
    expect(tailProbe(25432)).toEqual({ first: 12716, last: 25431 });
    expect(tailProbe(10 * 1024 * 1024)).toEqual({ first: 9 * 1024 * 1024, last: 10 * 1024 * 1024 - 1 });
    expect(tailProbe(1)).toEqual({ first: 0, last: 0 });
  });
});
