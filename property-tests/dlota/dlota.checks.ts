/**
 * What the DLOTA agent must request in each state, asserted at every step of every model path: one GET
 * per request and never two ranges, the exact resume request, no append of a 200, the 412 rule, the
 * report body, discarding on error and keeping on pause, and final outputs that match the final state.
 *
 * @module
 */
import assert from 'node:assert/strict';
import type { EventObject } from 'xstate';
import {
  type DownloadContext,
  type DownloadEffects,
  type DownloadOutput,
  resumePreconditions,
  resumeRange,
  statusCode,
  statusLine,
} from '../../machines/dlota/index.js';
import { entered, type PathCheck, type RequestedAction, type StepShape } from '../machine-system.js';

type HttpGet = DownloadEffects['httpGet'];

const gets = (actions: readonly RequestedAction[]) =>
  actions.filter((a) => a.type === 'httpGet').map((a) => a.params as HttpGet);
const of = (actions: readonly RequestedAction[], type: keyof DownloadEffects) =>
  actions.filter((a) => a.type === type);
const ctx = (snapshot: { context: unknown }) => snapshot.context as DownloadContext;
const headers = (event: EventObject) =>
  event as EventObject & {
    status?: number;
    contentRange?: string;
    acceptRanges?: string;
    etag?: string;
    contentEncoding?: string;
  };
const fromResuming = (s: StepShape) =>
  s.before.includes('retrieving.resuming') && s.event.type === 'RESPONSE.HEADERS';
const inRetrieval = (states: readonly string[]) => states.some((id) => id.startsWith('retrieving.'));
const reportingOrDone = (states: readonly string[]) =>
  states.some((id) => id.startsWith('notifying.') || id === 'failed' || id === 'done');

/** The DLOTA step invariants. */
export const DLOTA_CHECKS: readonly PathCheck[] = [
  {
    name: 'at most one GET per step, never more than one range',
    clauses: ['DL-PR-8'],
    applies: () => true,
    assert: ({ actions }) => {
      const requested = gets(actions);
      assert.ok(requested.length <= 1, `${requested.length} httpGet requests in one step`);
      for (const get of requested) {
        if (get.range !== undefined) assert.match(get.range, /^bytes=\d+-\d*$/, 'a single bytes= range');
      }
    },
  },
  {
    name: 'a fresh GET asks exactly the ObjectURI from byte 0, without Range or If-Match',
    clauses: ['DL-RET-2'],
    applies: (s) => entered(s, 'retrieving.requesting'),
    assert: ({ actions, next }) => {
      const [get, ...more] = gets(actions);
      assert.equal(more.length, 0);
      assert.ok(get, 'entering requesting requests one httpGet');
      const c = ctx(next);
      assert.deepEqual(get, {
        url: c.objects[c.objectIndex]?.objectURIs[0],
        objectIndex: c.objectIndex,
        offset: 0,
      });
    },
  },
  {
    name: 'a resume asks exactly the missing bytes, with If-Match = the first ETag, only after Accept-Ranges',
    clauses: ['DL-PR-7', 'DL-PR-8', 'DL-PR-9', 'DL-PR-12'],
    applies: (s) => entered(s, 'retrieving.resuming'),
    assert: ({ actions, next, events }) => {
      const [get, ...more] = gets(actions);
      assert.equal(more.length, 0);
      assert.ok(get, 'entering resuming requests one httpGet');
      const { transfer } = ctx(next);
      assert.equal(get.offset, transfer.offset);
      assert.equal(get.range, resumeRange(transfer.offset, transfer.length));
      assert.equal(get.range, `bytes=${transfer.offset}-${transfer.length - 1}`);
      // DL-PR-12: some earlier 200 of this path exposed byte ranges, or the journal recorded that it did.
      const fulls = events.map(headers).filter((e) => e.type === 'RESPONSE.HEADERS' && e.status === 200);
      const journaled = events.some(
        (e) => e.type === 'RESTART.RECOVERED' && (e as { acceptRanges?: unknown }).acceptRanges === true,
      );
      assert.ok(
        journaled || fulls.some((e) => /\bbytes\b/i.test(e.acceptRanges ?? '')),
        'no Accept-Ranges: bytes seen before the resume',
      );
      // DL-PR-9: If-Match carries the strong ETag first received for this object (or the journal's), never a
      // weak one; without it the kept Last-Modified guards the resume.
      const first = fulls.find((e) => e.etag !== undefined)?.etag;
      const expected = resumePreconditions(transfer);
      assert.equal(get.ifMatch, expected.ifMatch);
      assert.equal(get.ifUnmodifiedSince, expected.ifUnmodifiedSince);
      assert.ok(!/^\s*W\//.test(get.ifMatch ?? ''), 'a weak ETag in If-Match');
      if (first !== undefined && !first.startsWith('W/')) assert.equal(get.ifMatch, first);
    },
  },
  {
    name: 'a 200 to a resume is never appended: discard the object and GET it again from byte 0',
    clauses: ['DL-PR-11'],
    applies: (s) => fromResuming(s) && headers(s.event).status === 200,
    assert: ({ actions, next }) => {
      assert.deepEqual(
        of(actions, 'discardPartial').map((a) => a.params),
        [{ scope: 'object', objectIndex: ctx(next).objectIndex }],
      );
      assert.deepEqual(
        gets(actions).map((g) => [g.offset, g.range]),
        [[0, undefined]],
      );
      assert.equal(ctx(next).transfer.offset, 0);
    },
  },
  {
    name: 'a 206 to a resume is appended only when it continues the kept range up to the length',
    clauses: ['DL-PR-11'],
    applies: (s) => fromResuming(s) && headers(s.event).status === 206,
    assert: ({ event, prev, next, after, actions }) => {
      const kept = ctx(prev).transfer;
      // A content-encoded 206 never fits: its bytes are not the object's range (stack.md sharp edge 8).
      const encoded = (headers(event).contentEncoding ?? 'identity') !== 'identity';
      const fits =
        !encoded && headers(event).contentRange === `bytes ${kept.offset}-${kept.length - 1}/${kept.length}`;
      const sameValidator = headers(event).etag === kept.etag;
      if (fits && sameValidator) {
        assert.deepEqual(after, ['retrieving.downloading']);
        assert.equal(ctx(next).transfer.offset, kept.offset, 'the kept bytes stay');
        assert.equal(of(actions, 'discardPartial').length, 0);
      } else {
        assert.ok(!after.includes('retrieving.downloading'), 'a misfit 206 is not appended');
        // Either everything goes (952, 957) or the object is fetched again from byte 0 (changed, no update).
        const discarded = of(actions, 'discardPartial').map((a) => a.params);
        const restarted = gets(actions).map((g) => [g.offset, g.range]);
        assert.ok(
          JSON.stringify(discarded) === JSON.stringify([{ scope: 'all' }]) ||
            (JSON.stringify(discarded) ===
              JSON.stringify([{ scope: 'object', objectIndex: ctx(next).objectIndex }]) &&
              JSON.stringify(restarted) === JSON.stringify([[0, undefined]])),
          `a misfit 206 must discard: ${JSON.stringify(discarded)}`,
        );
      }
    },
  },
  {
    name: '412 on resume → 957 and the kept range discarded (with updatedDDURI), else a GET from byte 0',
    clauses: ['DL-PR-10', 'DL-STATUS-957'],
    applies: (s) => fromResuming(s) && headers(s.event).status === 412,
    assert: ({ actions, prev, next }) => {
      if (ctx(prev).dd?.updatedDDURI === undefined) {
        assert.deepEqual(
          of(actions, 'discardPartial').map((a) => a.params),
          [{ scope: 'object', objectIndex: ctx(prev).objectIndex }],
        );
        assert.deepEqual(
          gets(actions).map((g) => [g.offset, g.range]),
          [[0, undefined]],
        );
        assert.equal(ctx(next).outcome, undefined);
        return;
      }
      assert.ok(of(actions, 'discardPartial').some((a) => (a.params as { scope: string }).scope === 'all'));
      const c = ctx(next);
      if (c.updates === 0) assert.equal(c.outcome, 'mediaObjectUpdated');
      const posted = of(actions, 'postReport').map((a) => (a.params as { body: string }).body);
      for (const body of posted) assert.match(body, /^957 /);
    },
  },
  {
    name: 'pausing keeps the durable range, and only after Accept-Ranges: bytes',
    clauses: ['DL-PR-4', 'DL-INST-11', 'DL-PR-12'],
    applies: (s) => entered(s, 'retrieving.paused'),
    assert: ({ actions, event, prev, next }) => {
      assert.equal(ctx(next).transfer.acceptRanges, true, 'paused without Accept-Ranges: bytes');
      assert.equal(of(actions, 'discardPartial').length, 0);
      assert.equal(of(actions, 'httpGet').length, 0);
      // After a restart the journal's durable offset is the truth; otherwise the offset is untouched.
      if (event.type !== 'RESTART.RECOVERED') {
        assert.equal(ctx(next).transfer.offset, ctx(prev).transfer.offset);
      }
    },
  },
  {
    name: 'leaving the retrieval with an error discards everything retrieved',
    clauses: ['DL-INST-11'],
    applies: (s) => inRetrieval(s.before) && !inRetrieval(s.after) && reportingOrDone(s.after),
    assert: ({ actions }) => {
      assert.ok(
        of(actions, 'discardPartial').some((a) => (a.params as { scope: string }).scope === 'all'),
        'discardPartial(all) requested',
      );
    },
  },
  {
    name: 'the status report is `<code> <text>` of the outcome, POSTed to the notify URI',
    clauses: ['DL-NOTIFY-1', 'DL-INST-4'],
    applies: (s) => entered(s, 'notifying.posting'),
    assert: ({ actions, next }) => {
      const c = ctx(next);
      const posts = of(actions, 'postReport').map((a) => a.params);
      assert.equal(posts.length, 1);
      assert.deepEqual(posts[0], {
        url: c.notifyURI,
        body: statusLine(c.outcome ?? 'deviceAborted', c.options.numbering),
      });
    },
  },
  {
    name: 'done: 900, installed, committed exactly once and only now',
    clauses: ['DL-INST-5', 'DL-INST-2', 'DL-PR-5'],
    applies: (s) => s.after.includes('done'),
    assert: (s) => {
      const { next, actions, history } = s;
      const output = next.output as DownloadOutput;
      assert.equal(next.status, 'done');
      assert.equal(output.statusCode, 900);
      assert.equal(output.installed, true);
      // DL-INST-2: with an InstallNotifyURI, usable only once the success report was delivered.
      if (ctx(next).notifyURI !== undefined)
        assert.equal(output.reported, true, 'committed before the report');
      if (s.event.type === 'INSTALL.RECOVERED') {
        // An earlier run committed after its accepted 900 (install record): nothing is committed again.
        assert.equal(of(history, 'commitObject').length, 0);
        assert.deepEqual(output.files, (s.event as { files?: unknown }).files);
        return;
      }
      assert.equal(of(actions, 'commitObject').length, 1);
      assert.equal(of(history, 'commitObject').length, 1);
    },
  },
  {
    name: 'failed: the output status is the outcome’s, nothing was ever made usable',
    clauses: ['DL-INST-12', 'DL-INST-2', 'DL-PR-5'],
    applies: (s) => s.after.includes('failed'),
    assert: ({ next, history }) => {
      const output = next.output as DownloadOutput;
      const c = ctx(next);
      assert.equal(next.status, 'done');
      assert.equal(output.installed, false);
      assert.equal(output.statusCode, statusCode(c.outcome ?? 'deviceAborted', c.options.numbering));
      assert.equal(of(history, 'commitObject').length, 0);
    },
  },
];
