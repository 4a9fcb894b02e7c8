import { afterEach, describe, expect, it, vi } from 'vitest';
import type { OipfManagerEvent } from '../../machines/oipf/index.js';
import { MAX_TIMER_MS, TransferEngine } from './transfers.js';

afterEach(() => {
  vi.useRealTimers();
});

function engine(sent: OipfManagerEvent[]): TransferEngine {
  return new TransferEngine({
    partialDir: '/nonexistent/partial',
    filesDir: '/nonexistent/files',
    fetchOptions: {},
    flushEveryBytes: 1024,
    flushEveryMs: 1000,
    timerScale: 1,
    enabled: true,
    send: (event) => sent.push(event),
    checkpointed: async () => {},
    metaOf: () => undefined,
    urlOf: () => undefined,
    patchMeta: () => {},
    onBytes: () => {},
    onError: (error) => {
      throw error;
    },
  });
}

const DAY = 24 * 60 * 60 * 1000;

describe('transfer engine timers', () => {
  it('a downloadStart 40 days ahead fires after 40 days, not at once (setTimeout caps at 24.8 days: the wait is chained)', async () => {
    vi.useFakeTimers();
    const sent: OipfManagerEvent[] = [];
    const e = engine(sent);
    e.startTimer({ downloadId: '1', name: 'start', ms: 40 * DAY });
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS);
    expect(sent, 'after 24.8 days').toEqual([]);
    await vi.advanceTimersByTimeAsync(40 * DAY - MAX_TIMER_MS - 1000 - 1);
    expect(sent, 'one millisecond early').toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toEqual([{ type: 'TIMER.FIRED', downloadId: '1', name: 'start' }]);
  });

  it('cancelling a chained timer in its second link stops it', async () => {
    vi.useFakeTimers();
    const sent: OipfManagerEvent[] = [];
    const e = engine(sent);
    e.startTimer({ downloadId: '1', name: 'start', ms: 30 * DAY });
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS + 1000);
    e.cancelTimer({ downloadId: '1', name: 'start' });
    await vi.advanceTimersByTimeAsync(10 * DAY);
    expect(sent).toEqual([]);
  });
});
