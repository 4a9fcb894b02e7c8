import { describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import { RESERVE } from './constants.js';
import { discInfoOf } from './manager.logic.js';
import { allocatedMb, decideReserve, hasReservedMb } from './manager.storage.js';
import { APP, Driver, MB, OTHER } from './oipf.test-support.js';

describe('manager storage: reservations and accounting per organisation', () => {
  it(
    verifies(
      [
        'DAE-RESERVE-1',
        'DAE-RESERVE-2',
        'DAE-RESERVE-3',
        'DAE-RESERVE-6',
        'DAE-RESERVE-7',
        'HBB-RESERVE-1',
        'DAE-PROP-1',
      ],
      'reserve: grow, shrink below used refused, too large refused, 0 cancels; non-OK keeps the old value',
    ),
    () => {
      const m = new Driver({ capacityBytes: 100 * MB, reserveNever: ['org9'] });
      const reserve = (bytes: number, caller = APP) =>
        m.send({ type: 'APP.RESERVE', caller, bytes }).s.context.lastResult?.value;
      expect(hasReservedMb(m.s.context, 'org1')).toBe(-1);
      expect(allocatedMb(m.s.context, 'org1')).toBe(-1);
      expect(reserve(10 * MB)).toBe(RESERVE.RESERVE_OK);
      expect(reserve(20 * MB)).toBe(RESERVE.RESERVE_OK);
      expect(hasReservedMb(m.s.context, 'org1')).toBe(20);
      m.register('d', 0, { totalSize: 15 * MB + 1 });
      expect(allocatedMb(m.s.context, 'org1')).toBe(16);
      expect(decideReserve(m.s.context, { caller: APP, bytes: 10 * MB })).toBe(
        RESERVE.RESERVE_SMALLER_THAN_USED,
      );
      expect(reserve(10 * MB)).toBe(RESERVE.RESERVE_SMALLER_THAN_USED);
      expect(m.s.context.reservations.org1).toBe(20 * MB);
      expect(reserve(500 * MB)).toBe(RESERVE.RESERVE_TOO_LARGE);
      expect(m.s.context.reservations.org1).toBe(20 * MB);
      expect(reserve(-1)).toBe(RESERVE.RESERVE_UNKNOWN);
      expect(reserve(MB, OTHER)).toBe(RESERVE.RESERVE_NEVER);
      expect(reserve(0)).toBe(RESERVE.RESERVE_OK);
      expect(hasReservedMb(m.s.context, 'org1')).toBe(-1);
    },
  );

  it(
    verifies(
      ['DAE-RESERVE-3', 'DAE-RESERVE-7'],
      'a first reservation or a growing one never answers RESERVE_SMALLER_THAN_USED; that code is for a refused shrink',
    ),
    () => {
      const m = new Driver({ capacityBytes: 100 * MB, maxActive: 1 });
      const reserve = (bytes: number) =>
        m.send({ type: 'APP.RESERVE', caller: APP, bytes }).s.context.lastResult?.value;
      // Queued, nothing on disk: it needs 30 MB and holds 0.
      m.register('blocker', 9, { totalSize: MB }).register('d', 0, { totalSize: 30 * MB });
      expect(reserve(10 * MB), 'first reservation below what the downloads need').toBe(RESERVE.RESERVE_OK);
      expect(reserve(20 * MB), 'growing, still below the need').toBe(RESERVE.RESERVE_OK);
      expect(reserve(15 * MB), 'shrinking below the need').toBe(RESERVE.RESERVE_SMALLER_THAN_USED);
      expect(m.s.context.reservations.org1).toBe(20 * MB);
      expect(reserve(40 * MB), 'growing above the need').toBe(RESERVE.RESERVE_OK);
      expect(reserve(35 * MB), 'shrinking, still above the need').toBe(RESERVE.RESERVE_OK);
    },
  );

  it(verifies('DAE-RESERVE-4', 'the OITF or the user may change a reservation at any time'), () => {
    const m = new Driver({ capacityBytes: 100 * MB, reservations: { org1: 10 * MB } });
    m.send({ type: 'OITF.RESERVATION_CHANGED', orgId: 'org1', bytes: 30 * MB });
    expect(hasReservedMb(m.s.context, 'org1')).toBe(30);
    m.send({ type: 'OITF.RESERVATION_CHANGED', orgId: 'org1', bytes: 0 });
    expect(hasReservedMb(m.s.context, 'org1')).toBe(-1);
  });

  it(
    verifies(
      ['DAE-RESERVE-5', 'DAE-STATE-2'],
      "a download that would exceed its organisation's reservation fails with reason 0",
    ),
    () => {
      const m = new Driver({ capacityBytes: 100 * MB, reservations: { org1: 10 * MB } });
      expect(m.register('big', 0, { totalSize: 11 * MB }).notes()).toEqual(['big:16', 'big:8:0']);
      expect(m.effects()).toEqual([]);
      // Size learnt from the headers, then bytes beyond the reservation.
      m.register('unknown');
      expect(
        m.send({ type: 'TRANSFER.HEADERS', downloadId: 'unknown', status: 200, totalSize: 12 * MB }).notes(),
      ).toEqual(['unknown:8:0']);
      m.register('stream');
      m.send({ type: 'TRANSFER.PROGRESS', downloadId: 'stream', bytesDurable: 5 * MB });
      expect(
        m.send({ type: 'TRANSFER.PROGRESS', downloadId: 'stream', bytesDurable: 10 * MB + 1 }).notes(),
      ).toEqual(['stream:8:0']);
      // Without a reservation the limit is the free space of the device.
      const n = new Driver({ capacityBytes: 10 * MB, reservations: { org9: 6 * MB } });
      expect(n.register('x', 0, { totalSize: 5 * MB }).notes()).toEqual(['x:16', 'x:8:0']);
      expect(n.register('y', 0, { totalSize: 4 * MB }).notes()).toEqual(['y:16', 'y:2']);
    },
  );

  it(verifies('DAE-PROP-2', 'discInfo reports free, total and reserved megabytes'), () => {
    const m = new Driver({ capacityBytes: 100 * MB, reservations: { org9: 30 * MB } });
    m.register('d', 0, { totalSize: 10 * MB });
    expect(discInfoOf(m.s.context)).toEqual({ free: 60, total: 100, reserved: 30 });
  });
});
