import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { verifies } from '../../property-tests/verifies.js';
import { CADD_CONTENT_TYPE } from './constants.js';
import { decidePause, discInfoOf, getDownloadsFor, isMemberAvailable } from './manager.logic.js';
import { oipfManagerMachine } from './manager.machine.js';
import type { ManagedDownload } from './manager.types.js';
import { APP, Driver, MB, managerWith } from './oipf.test-support.js';

describe('oipfManagerMachine', () => {
  it(
    verifies(
      ['DAE-PAUSE-2', 'DAE-STATE-1'],
      'restored while verifying (an entry written before verification generations too): verified again, no transfer',
    ),
    () => {
      const legacy = {
        id: 'v',
        appId: APP.appId,
        origin: APP.origin,
        orgId: APP.orgId,
        contentType: 'video/mp4',
        descriptorPending: false,
        value: { inProgress: 'verifying' },
        // No contentComplete / verification: the fields a previous version did not write.
        context: {
          id: 'v',
          url: 'http://cdn.example/v',
          totalSize: 100,
          bytesReceived: 100,
          etag: '"e"',
          priority: 0,
          stallAttempts: 0,
          profile: 'oipf',
        },
      } as unknown as ManagedDownload;
      const m = new Driver({ capacityBytes: 1000 * MB, maxActive: 1, downloads: [legacy] });
      expect(m.state('v')).toBe(2);
      const requested = m.actions.filter((a) => a.type !== 'xstate.emit');
      expect(requested.map((a) => [a.type, a.params])).toEqual([
        ['verifyContent', { downloadId: 'v', bytes: 100, verification: 1 }],
      ]);
      expect(m.send({ type: 'TRANSFER.VERIFIED', downloadId: 'v', verification: 1 }).state('v')).toBe(1);
    },
  );

  it(
    verifies(
      ['DAE-PRIO-1', 'DAE-PAUSE-2', 'DAE-RESUME-1'],
      'a slot is a transfer: a verifying download holds none, is never pre-empted, and resumes without one',
    ),
    () => {
      const m = new Driver({ capacityBytes: 1000 * MB, maxActive: 1 });
      m.register('a', 1);
      // a's bytes are all in: while it is verified (still 2), the next download takes the slot.
      expect(m.send({ type: 'TRANSFER.COMPLETE', downloadId: 'a', bytesDurable: 10 }).effects()).toEqual([
        'verifyContent(a)',
      ]);
      expect(m.register('b', 1).notes()).toEqual(['b:16', 'b:2']);
      expect(m.effects()).toEqual(['startTransfer(b)']);
      // A higher priority pre-empts the transfer, not the verification.
      expect(m.register('c', 9).notes()).toEqual(['c:16', 'b:4', 'c:2']);
      expect([m.state('a'), m.state('b'), m.state('c')]).toEqual([2, 4, 2]);
      // Paused while verifying and resumed with every slot taken: it verifies again at once, c keeps its slot.
      expect(m.send({ type: 'APP.PAUSE', downloadId: 'a', caller: APP }).notes()).toEqual(['a:4']);
      expect(m.effects()).toEqual(['cancelVerification(a)']);
      expect(m.send({ type: 'APP.RESUME', downloadId: 'a', caller: APP }).notes()).toEqual(['a:2']);
      expect(m.effects()).toEqual(['verifyContent(a)']);
      expect(m.state('c')).toBe(2);
      expect(m.send({ type: 'TRANSFER.VERIFIED', downloadId: 'a', verification: 2 }).notes()).toEqual([
        'a:1',
      ]);
    },
  );

  it(
    verifies(
      ['DAE-STATE-1', 'DAE-EVT-1'],
      'a requested start time keeps a download queued (16) until the start timer fires, then it takes a slot',
    ),
    () => {
      const m = new Driver({ capacityBytes: 1000 * MB, maxActive: 2 });
      expect(m.register('later', 0, { startDelayMs: 60_000 }).notes()).toEqual(['later:16']);
      expect(m.effects()).toEqual(['startTimer(later)']);
      expect(m.actions.find((a) => a.type === 'startTimer')?.params).toEqual({
        downloadId: 'later',
        name: 'start',
        ms: 60_000,
      });
      // Another registration rebalances the slots, but a download whose start time has not come stays queued.
      expect(m.register('now').notes()).toEqual(['now:16', 'now:2']);
      expect(m.state('later')).toBe(16);
      expect(m.send({ type: 'TIMER.FIRED', downloadId: 'later', name: 'start' }).notes()).toEqual([
        'later:2',
      ]);
      expect(m.effects()).toEqual(['startTransfer(later)']);
    },
  );

  it(
    verifies(
      ['DAE-PRIO-1', 'DAE-EVT-1'],
      '3 priorities, 2 slots: the lowest is paused by the OITF and resumed later, in order',
    ),
    () => {
      const m = new Driver({ capacityBytes: 1000 * MB, maxActive: 2 });
      expect(m.register('low', 1).notes()).toEqual(['low:16', 'low:2']);
      expect(m.register('mid', 2).notes()).toEqual(['mid:16', 'mid:2']);
      expect(m.register('high', 3).notes()).toEqual(['high:16', 'low:4', 'high:2']);
      expect(m.effects()).toEqual(['stopTransfer(low)', 'startTransfer(high)']);
      // Its bytes are all in: verifying holds no transfer slot (DAE-PRIO-1 note), so low resumes at once.
      expect(m.send({ type: 'TRANSFER.COMPLETE', downloadId: 'high', bytesDurable: 10 }).notes()).toEqual([
        'low:2',
      ]);
      expect(m.effects()).toEqual(['verifyContent(high)', 'startTransfer(low)']);
      expect(m.send({ type: 'TRANSFER.VERIFIED', downloadId: 'high', verification: 1 }).notes()).toEqual([
        'high:1',
      ]);
      expect([m.state('low'), m.state('mid'), m.state('high')]).toEqual([2, 2, 1]);
    },
  );

  it(
    verifies(
      'DAE-PRIO-1',
      'an equal or lower priority waits queued; an app-paused download is never resumed automatically',
    ),
    () => {
      const m = new Driver({ capacityBytes: 1000 * MB, maxActive: 2 });
      m.register('a', 5).register('b', 5);
      expect(m.register('c', 5).notes()).toEqual(['c:16']);
      expect(m.send({ type: 'APP.PAUSE', downloadId: 'a', caller: APP }).notes()).toEqual(['a:4', 'c:2']);
      expect(m.send({ type: 'APP.REMOVE', downloadId: 'b', caller: APP }).notes()).toEqual([]);
      expect(m.state('a')).toBe(4);
    },
  );

  it(
    verifies(
      ['DAE-RESUME-1', 'DAE-PRIO-1'],
      'resume() with every slot taken by higher priorities: true, queued (16)',
    ),
    () => {
      const m = new Driver({ capacityBytes: 1000 * MB, maxActive: 1 });
      m.register('low', 1).send({ type: 'APP.PAUSE', downloadId: 'low', caller: APP }).register('high', 9);
      expect(m.send({ type: 'APP.RESUME', downloadId: 'low', caller: APP }).notes()).toEqual(['low:16']);
      expect(m.s.context.lastResult).toEqual({ method: 'resume', downloadId: 'low', value: true });
      // A resumed download of higher priority than the active one pre-empts it first, then starts.
      const n = new Driver({ capacityBytes: 1000 * MB, maxActive: 1 });
      n.register('top', 9).send({ type: 'APP.PAUSE', downloadId: 'top', caller: APP });
      n.register('low', 1);
      expect(n.send({ type: 'APP.RESUME', downloadId: 'top', caller: APP }).notes()).toEqual([
        'low:4',
        'top:2',
      ]);
    },
  );

  it(
    verifies(
      ['HBB-PROFILE-1'],
      'the HbbTV profile hides discInfo, updateRegisteredDownload, pause, resume, getDownloads',
    ),
    () => {
      const m = new Driver({ capacityBytes: 100 * MB, profile: 'hbbtv' });
      expect(m.s.value).toBe('hbbtv');
      for (const member of [
        'discInfo',
        'updateRegisteredDownload',
        'pause',
        'resume',
        'getDownloads',
      ] as const) {
        expect(isMemberAvailable('hbbtv', member), member).toBe(false);
        expect(isMemberAvailable('oipf', member), member).toBe(true);
      }
      expect(isMemberAvailable('hbbtv', 'remove')).toBe(true);
      m.register('d');
      expect(discInfoOf(m.s.context)).toBeUndefined();
      expect(getDownloadsFor(m.s.context, APP)).toBeUndefined();
      expect(decidePause(m.s.context, { downloadId: 'd', caller: APP })).toBe(false);
      expect(m.send({ type: 'APP.PAUSE', downloadId: 'd', caller: APP }).s.context.lastResult?.value).toBe(
        false,
      );
      expect(m.notes()).toEqual([]);
      expect(
        m.send({ type: 'APP.UPDATE_URL', downloadId: 'd', caller: APP, url: 'http://x' }).s.context.lastResult
          ?.value,
      ).toBe(false);
      expect(m.send({ type: 'APP.REMOVE', downloadId: 'd', caller: APP }).s.context.lastResult?.value).toBe(
        true,
      );
    },
  );

  it(
    verifies(
      'HBB-FDP-1',
      'the manager passes its profile to downloads: FDP with errors and flag 0 completes in HbbTV',
    ),
    () => {
      const hbb = new Driver({ capacityBytes: 100 * MB, profile: 'hbbtv' }).register('d');
      expect(
        hbb.send({ type: 'FDP.COMPLETED_WITH_ERRORS', downloadId: 'd', discardFileOnError: 0 }).notes(),
      ).toEqual(['d:1']);
      const oipf = new Driver({ capacityBytes: 100 * MB }).register('d');
      expect(
        oipf.send({ type: 'FDP.COMPLETED_WITH_ERRORS', downloadId: 'd', discardFileOnError: 0 }).notes(),
      ).toEqual(['d:8:3']);
    },
  );

  it(
    verifies('DAE-GET-2', 'a CADD registration is null for getDownloads until its descriptor is parsed'),
    () => {
      const m = new Driver({ capacityBytes: 100 * MB });
      m.register('c', 0, { contentType: CADD_CONTENT_TYPE });
      expect(m.effects()).toEqual(['fetchDescriptor(c)']);
      expect(m.state('c')).toBe(16);
      expect(getDownloadsFor(m.s.context, APP, 'c')).toBeNull();
      expect(getDownloadsFor(m.s.context, APP)).toEqual([]);
      m.send({
        type: 'DESCRIPTOR.PARSED',
        downloadId: 'c',
        url: 'http://cdn.example/movie.mp4',
        totalSize: 10,
      });
      expect(m.effects()).toEqual(['startTransfer(c)']);
      expect(getDownloadsFor(m.s.context, APP, 'c')?.map((v) => v.url)).toEqual([
        'http://cdn.example/movie.mp4',
      ]);
      const p = new Driver({ capacityBytes: 100 * MB }).register('c', 0, { contentType: CADD_CONTENT_TYPE });
      p.send({ type: 'APP.PAUSE', downloadId: 'c', caller: APP });
      expect(p.send({ type: 'APP.RESUME', downloadId: 'c', caller: APP }).notes()).toEqual(['c:16']);
      p.send({ type: 'DESCRIPTOR.PARSED', downloadId: 'c', url: 'http://cdn.example/m.mp4' });
      expect(p.notes()).toEqual(['c:2']);
      const r = new Driver({ capacityBytes: 100 * MB });
      r.register('c', 0, { contentType: CADD_CONTENT_TYPE });
      expect(r.send({ type: 'DESCRIPTOR.REJECTED', downloadId: 'c', cause: 'DOCTYPE' }).notes()).toEqual([
        'c:8:4',
      ]);
    },
  );

  it(
    verifies('DAE-UPDATE-3', 'updating a failed download resumes it in a free slot from its last byte'),
    () => {
      const m = managerWith('failed');
      m.send({ type: 'APP.UPDATE_URL', downloadId: 'd', caller: APP, url: 'http://mirror.example/d' });
      expect(m.notes()).toEqual(['d:2']);
      expect(m.actions.find((a) => a.type === 'startTransfer')?.params).toEqual({
        downloadId: 'd',
        url: 'http://mirror.example/d',
        fromByte: 0,
        ifMatch: undefined,
      });
    },
  );

  it(verifies('DAE-EVT-1', 'a running actor re-emits STATE_CHANGED to .on() subscribers in order'), () => {
    const actor = createActor(oipfManagerMachine, { input: { capacityBytes: 100 * MB, maxActive: 1 } });
    const seen: string[] = [];
    actor.on('STATE_CHANGED', (e) => seen.push(`${e.id}:${e.state}`));
    actor.start();
    actor.send({
      type: 'APP.REGISTER',
      downloadId: 'a',
      caller: APP,
      url: 'http://x/a',
      contentType: 'video/mp4',
      priority: 1,
    });
    actor.send({
      type: 'APP.REGISTER',
      downloadId: 'b',
      caller: APP,
      url: 'http://x/b',
      contentType: 'video/mp4',
      priority: 2,
    });
    expect(seen).toEqual(['a:16', 'a:2', 'b:16', 'a:4', 'b:2']);
    actor.stop();
  });

  it(
    verifies(
      'DAE-PRIO-1',
      'restored transferring downloads come back paused by the OITF and are resumed in their slots',
    ),
    () => {
      const live = new Driver({ capacityBytes: 100 * MB, maxActive: 1 }).register('a');
      live.send({ type: 'TRANSFER.PROGRESS', downloadId: 'a', bytesDurable: 7 });
      const restored = new Driver({
        capacityBytes: 100 * MB,
        maxActive: 1,
        downloads: JSON.parse(JSON.stringify(live.s.context.downloads.list())),
      });
      expect(restored.notes()).toEqual(['a:2']);
      expect(restored.actions.find((a) => a.type === 'startTransfer')?.params).toMatchObject({ fromByte: 7 });
    },
  );
});
