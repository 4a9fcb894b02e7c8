import { describe, expect, it } from 'vitest';
import { groupCommit } from './group-commit.js';

/** A flush whose runs are recorded (start and end, in order) and ended by the test. */
function recorder() {
  const log: string[] = [];
  const pending: (() => void)[] = [];
  let n = 0;
  const run = (key: string) => {
    const id = `${key}${++n}`;
    log.push(`start ${id}`);
    return new Promise<void>((resolve) =>
      pending.push(() => {
        log.push(`end ${id}`);
        resolve();
      }),
    );
  };
  const endNext = async () => {
    pending.shift()?.();
    // Let the chained start of the queued run happen.
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { log, run, endNext, pending };
}

describe('groupCommit: flushes shared by their callers', () => {
  it('a burst of callers costs two runs: the first starts one, the rest share the next, which starts after it ends', async () => {
    const r = recorder();
    const flush = groupCommit(r.run);
    const resolved: number[] = [];
    const calls = [0, 1, 2, 3].map((i) => flush('d').then(() => resolved.push(i)));
    expect(r.log).toEqual(['start d1']);
    await r.endNext();
    expect(r.log).toEqual(['start d1', 'end d1', 'start d2']);
    expect(resolved).toEqual([0]);
    await r.endNext();
    await Promise.all(calls);
    expect(r.log).toEqual(['start d1', 'end d1', 'start d2', 'end d2']);
    expect(resolved).toEqual([0, 1, 2, 3]);
    // Idle again: the next caller starts a run of its own at once.
    void flush('d');
    expect(r.log.at(-1)).toBe('start d3');
  });

  it('keys are independent; a failed run fails its callers only, and the next caller starts afresh', async () => {
    let fail = true;
    const started: string[] = [];
    const flush = groupCommit(async (key: string) => {
      started.push(key);
      if (key === 'a' && fail) throw new Error('EIO');
    });
    const a = flush('a');
    const b = flush('b');
    await expect(a).rejects.toThrow('EIO');
    await expect(b).resolves.toBeUndefined();
    fail = false;
    await expect(flush('a')).resolves.toBeUndefined();
    expect(started).toEqual(['a', 'b', 'a']);
  });
});
