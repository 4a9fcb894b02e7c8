import { describe, expect, it } from 'vitest';
import { READ_BUFFER_BYTES, READ_POOL_BUFFERS, ReadPool, SPARE_BUFFERS, spareBuffers } from './pool.js';

/** Simulates one socket read of `length` bytes: take the region, fill it, and lease the whole read as a view. */
function read(pool: ReadPool, length: number, fill: number): Buffer {
  const region = pool.take();
  expect(region.byteLength).toBeGreaterThanOrEqual(length);
  region.fill(fill, 0, length);
  const bytes = pool.filled(region, length);
  pool.lease(bytes);
  pool.prepare();
  return bytes;
}

describe('ReadPool', () => {
  it('defaults to 4 buffers of 256 KiB', () => {
    expect(READ_BUFFER_BYTES).toBe(256 * 1024);
    expect(READ_POOL_BUFFERS).toBe(4);
    const pool = new ReadPool();
    expect(pool.take().byteLength).toBe(READ_BUFFER_BYTES);
  });

  it('refuses a pool that could never resume or buffers too small to be worth it', () => {
    expect(() => new ReadPool(4096, 1)).toThrow(RangeError);
    expect(() => new ReadPool(100, 4)).toThrow(RangeError);
    expect(() => new ReadPool(4096.5, 4)).toThrow(RangeError);
  });

  it('continues in the same buffer while enough room is left, then takes a free one', () => {
    const pool = new ReadPool(4096, 2);
    const a = read(pool, 1000, 1);
    const b = read(pool, 1000, 2);
    // Same ArrayBuffer, right after the first read: nothing of `a` was overwritten.
    expect(b.buffer).toBe(a.buffer);
    expect(b.byteOffset).toBe(a.byteOffset + 1000);
    read(pool, 1500, 3);
    const d = read(pool, 1000, 4);
    expect(d.buffer).not.toBe(a.buffer);
    expect(a.every((x) => x === 1)).toBe(true);
  });

  it('is exhausted when no free buffer is left for the read after the next, and not once one is released', () => {
    const pool = new ReadPool(4096, 3);
    const first = read(pool, 4096, 1);
    expect(pool.exhausted()).toBe(false);
    const second = read(pool, 4096, 2);
    // Two buffers hold leased bytes, the third is armed: a read into it would have nowhere to go after it.
    expect(pool.exhausted()).toBe(true);
    expect(pool.leasedBytes).toBe(8192);
    expect(pool.release(first)).toBe(true);
    expect(pool.exhausted()).toBe(false);
    expect(second.every((x) => x === 2)).toBe(true);
    expect(pool.overflow).toBe(0);
  });

  it('ignores unknown views and second releases without corrupting the count', () => {
    const pool = new ReadPool(4096, 3);
    const a = read(pool, 4096, 1);
    const b = read(pool, 4096, 2);
    expect(pool.release(Buffer.alloc(10))).toBe(false);
    expect(pool.release(a.subarray(0, 10))).toBe(false);
    expect(pool.release(a)).toBe(true);
    expect(pool.release(a)).toBe(false);
    expect(pool.leasedBytes).toBe(4096);
    // The armed third buffer is read next, then the released one; `b` keeps its bytes throughout.
    const c = read(pool, 4096, 3);
    expect(c.buffer).not.toBe(a.buffer);
    expect(pool.take().buffer).toBe(a.buffer);
    expect(b.every((x) => x === 2)).toBe(true);
  });

  it('frees a buffer only when every view taken from it is released, in any order', () => {
    const pool = new ReadPool(4096, 2);
    const region = pool.take();
    const bytes = pool.filled(region, 3000);
    const views = [bytes.subarray(0, 1000), bytes.subarray(1000, 2000), bytes.subarray(2000, 3000)];
    for (const view of views) pool.lease(view);
    pool.prepare();
    read(pool, 1096, 9);
    read(pool, 4096, 9);
    expect(pool.exhausted()).toBe(true);
    pool.release(views[2]!);
    pool.release(views[0]!);
    expect(pool.exhausted()).toBe(true);
    pool.release(views[1]!);
    // The continuation read (1096 bytes) still holds the first buffer; the second is full: still exhausted.
    expect(pool.exhausted()).toBe(true);
  });

  it('never allocates more than its buffers under the pause protocol, whatever the read sizes', () => {
    const pool = new ReadPool(8192, 3);
    const held: { view: Buffer; mark: number }[] = [];
    const buffers = new Set<ArrayBufferLike>();
    let seed = 7;
    for (let i = 0; i < 2000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const region = pool.take();
      const length = 1 + (seed % region.byteLength);
      region.fill(i % 256, 0, length);
      const view = pool.filled(region, length);
      pool.lease(view);
      held.push({ view, mark: i % 256 });
      buffers.add(view.buffer);
      pool.prepare();
      // Release in a scrambled order until the socket could read again.
      while (pool.exhausted()) pool.release(held.splice(seed % held.length, 1)[0]!.view);
      // No read ever lands on bytes still leased.
      for (const { view: v, mark } of held) expect([v[0], v[v.length - 1]]).toEqual([mark, mark]);
    }
    expect(buffers.size).toBeLessThanOrEqual(3);
    expect(pool.overflow).toBe(0);
  });

  describe('buffers outlive their connection', () => {
    /** Takes every spare buffer (so each test starts from none), returning the pools that hold them. */
    const drainSpares = () => {
      const holders: ReadPool[] = [];
      while (spareBuffers() > 0) {
        const pool = new ReadPool();
        read(pool, 10, 0);
        holders.push(pool);
      }
      return holders;
    };

    it("a closed connection's free buffers go to the next connection; a leased one only once released", () => {
      drainSpares();
      const first = new ReadPool();
      // 200 KiB leave less than the minimum read in the first buffer: the next read takes a second one.
      const kept = read(first, 200 * 1024, 7);
      const next = read(first, 100 * 1024, 8);
      expect(next.buffer).not.toBe(kept.buffer);
      first.release(next);
      first.dispose();
      // The buffer with no view out is spare; the one `kept` views is not.
      expect(spareBuffers()).toBe(1);
      const second = new ReadPool();
      const reused = read(second, 10, 9);
      expect(reused.buffer).toBe(next.buffer);
      expect(spareBuffers()).toBe(0);
      const third = new ReadPool();
      expect(read(third, 10, 1).buffer).not.toBe(kept.buffer);
      // Nothing overwrote the leased view; releasing it makes its buffer spare.
      expect(kept.every((x) => x === 7)).toBe(true);
      first.release(kept);
      expect(spareBuffers()).toBe(1);
      expect(read(new ReadPool(), 10, 2).buffer).toBe(kept.buffer);
    });

    it('keeps at most SPARE_BUFFERS, of the default size only, and dispose is idempotent', () => {
      drainSpares();
      const pools = Array.from({ length: SPARE_BUFFERS + 4 }, () => {
        const pool = new ReadPool();
        pool.release(read(pool, 10, 0));
        return pool;
      });
      for (const pool of pools) {
        pool.dispose();
        pool.dispose();
      }
      expect(spareBuffers()).toBe(SPARE_BUFFERS);
      drainSpares();
      const small = new ReadPool(4096, 2);
      small.release(read(small, 10, 0));
      small.dispose();
      expect(spareBuffers()).toBe(0);
    });
  });
});
