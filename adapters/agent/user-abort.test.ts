import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import { startDownloadServer } from '../server/server.js';
import { startAgent } from './agent.js';
import { exitCodeFor } from './exit-codes.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const SIZE = 512 * 1024;

describe('user abort (Ctrl-C) → 902 whatever the server supports (DL-RET-5)', () => {
  it.each([
    ['without Accept-Ranges (no pause possible)', true],
    ['with Accept-Ranges, cancelled while paused', false],
  ])(
    verifies(['DL-RET-5', 'DL-PR-6'], 'a server %s: 902 User Cancelled reported, nothing kept'),
    async (_label, noAcceptRanges) => {
      const root = await fs.mkdtemp(path.join(tmpdir(), 'dlstate-abort-'));
      cleanups.push(() => fs.rm(root, { recursive: true, force: true }));
      const media = path.join(root, 'media');
      await fs.mkdir(media);
      await fs.writeFile(path.join(media, 'object.bin'), Buffer.alloc(SIZE, 7));
      const server = await startDownloadServer({
        dir: media,
        faults: { bytesPerSecond: 512 * 1024, ...(noAcceptRanges ? { noAcceptRanges: true } : {}) },
      });
      cleanups.push(() => server.close());
      const out = path.join(root, 'out');
      const state = path.join(out, '.dlstate');
      const options = { ddUrl: server.ddUrl('object.bin'), outDir: out, stateDir: state, preConfirmed: true };
      const agent = startAgent({
        ...options,
        flushEveryBytes: 32 * 1024,
        onObservation: (o) => {
          if (o.event === 'progress' && o.received > SIZE / 5) setImmediate(() => agent.stop('user'));
        },
      });
      let result = await agent.result;
      if (!noAcceptRanges) {
        // Ctrl-C paused the resumable retrieval; `dlstate cancel` then aborts it.
        expect(result.kind).toBe('paused');
        result = await startAgent({
          ...options,
          mode: 'cancel',
          resumePolicy: { onRestart: false },
        }).result;
      }
      if (result.kind !== 'finished') throw new Error(JSON.stringify(result));
      expect(result.output).toMatchObject({ statusCode: 902, installed: false, reported: true });
      expect(exitCodeFor(result.output.outcome, result.output.installed)).not.toBe(0);
      expect(server.reports.map((r) => r.body)).toEqual(['902 User Cancelled']);
      const kept = (await fs.readdir(state).catch(() => [] as string[])).filter(
        (n) => n.endsWith('.part') || n.endsWith('.journal.json'),
      );
      expect(kept).toEqual([]);
      expect((await fs.readdir(out).catch(() => [] as string[])).filter((n) => !n.startsWith('.'))).toEqual(
        [],
      );
    },
  );
});
