import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import { listen, tempDir } from '../http/test-support.js';
import { exponentialBackoff, type PostFn, QUEUE_FILE, ReportQueue, type StoredReport } from './queue.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function scratch(): Promise<string> {
  const { dir, remove } = await tempDir('dlstate-notify-');
  cleanups.push(remove);
  return dir;
}

const delivered200 = (status: number) => status === 200;
const report = (id: string, uri = 'http://127.0.0.1:9/notify') => ({
  id,
  uri,
  body: '900 Success',
  contentType: 'text/plain',
});

/** A scripted POST answering with the given statuses (or throwing for `'down'`), recording each call. */
function scripted(...answers: (number | 'down')[]): PostFn & { calls: string[] } {
  const calls: string[] = [];
  const fn = async (url: string, body: string) => {
    calls.push(`${url} ${body}`);
    const answer = answers.shift();
    if (answer === undefined || answer === 'down') throw new Error(`POST ${url}: connect: ECONNREFUSED`);
    return { status: answer };
  };
  return Object.assign(fn, { calls });
}

describe('ReportQueue', () => {
  it('stores a report before the first POST is attempted, and keeps it across a reopen', async () => {
    const dir = await scratch();
    const queue = await ReportQueue.open(dir);
    await queue.enqueue(report('r1'));
    const reopened = await ReportQueue.open(dir);
    expect(reopened.pending().map((r) => r.id)).toEqual(['r1']);

    let storedAtPost: StoredReport[] = [];
    const post: PostFn = async () => {
      const file = JSON.parse(await fs.readFile(path.join(dir, QUEUE_FILE), 'utf8')) as {
        reports: StoredReport[];
      };
      storedAtPost = file.reports;
      return { status: 200 };
    };
    const results = await reopened.deliverDue(post, { now: 0, isDelivered: delivered200 });
    expect(results).toMatchObject([{ id: 'r1', outcome: 'delivered', status: 200, attempts: 1 }]);
    // The attempt itself was on disk before the POST went out.
    expect(storedAtPost).toMatchObject([{ id: 'r1', state: 'pending', attempts: [{ at: 0 }] }]);
    expect(reopened.pending()).toEqual([]);
    expect((await ReportQueue.open(dir)).pending()).toEqual([]);
  });

  it('enqueuing an id again keeps the stored report', async () => {
    const dir = await scratch();
    const queue = await ReportQueue.open(dir);
    await queue.enqueue(report('r1'));
    const again = await queue.enqueue({ ...report('r1'), body: '902 User Cancelled' });
    expect(again.body).toBe('900 Success');
    expect(queue.pending()).toHaveLength(1);
  });

  it(
    verifies('DL-INST-12', 'an undelivered report is retried with back-off, across restarts, only when due'),
    async () => {
      const dir = await scratch();
      const backoffMs = exponentialBackoff(1000);
      const queue = await ReportQueue.open(dir);
      await queue.enqueue(report('r1'));
      const post = scripted(503, 'down', 200);

      const first = await queue.deliverDue(post, { now: 0, isDelivered: delivered200, backoffMs });
      expect(first).toMatchObject([{ outcome: 'retry', status: 503, attempts: 1, nextDueAt: 1000 }]);

      // A restart in between: attempts and the due time come back from disk.
      const restarted = await ReportQueue.open(dir);
      expect(restarted.get('r1')).toMatchObject({ attempts: [{ at: 0, status: 503 }], nextDueAt: 1000 });
      expect(await restarted.deliverDue(post, { now: 999, isDelivered: delivered200, backoffMs })).toEqual(
        [],
      );
      expect(post.calls).toHaveLength(1);

      const second = await restarted.deliverDue(post, { now: 1000, isDelivered: delivered200, backoffMs });
      expect(second).toMatchObject([{ outcome: 'retry', attempts: 2, nextDueAt: 3000 }]);
      expect(second[0]?.error).toContain('ECONNREFUSED');

      const third = await restarted.deliverDue(post, { now: 3000, isDelivered: delivered200, backoffMs });
      expect(third).toMatchObject([{ outcome: 'delivered', status: 200, attempts: 3 }]);
      expect(restarted.get('r1')).toBeUndefined();
    },
  );

  it(
    verifies('DL-INST-12', 'after maxAttempts a report is given up and kept with its history, not dropped'),
    async () => {
      const dir = await scratch();
      const queue = await ReportQueue.open(dir);
      await queue.enqueue(report('r1'));
      const post = scripted(500, 500, 500, 500);
      const opts = { isDelivered: delivered200, maxAttempts: 3, backoffMs: () => 10 };
      const outcomes: string[] = [];
      for (let now = 0; now <= 100; now += 10) {
        for (const r of await queue.deliverDue(post, { ...opts, now })) outcomes.push(r.outcome);
      }
      expect(outcomes).toEqual(['retry', 'retry', 'given-up']);
      expect(post.calls).toHaveLength(3);
      const reopened = await ReportQueue.open(dir);
      expect(reopened.pending()).toEqual([]);
      expect(reopened.givenUp()).toMatchObject([
        { id: 'r1', state: 'given-up', attempts: [{ status: 500 }, { status: 500 }, { status: 500 }] },
      ]);
    },
  );

  it('the caller decides what counts as delivered', async () => {
    const dir = await scratch();
    const queue = await ReportQueue.open(dir);
    await queue.enqueue(report('r1'));
    const results = await queue.deliverDue(scripted(204), {
      now: 0,
      isDelivered: (s) => s >= 200 && s < 300,
    });
    expect(results[0]?.outcome).toBe('delivered');
  });

  it('counts a POST cut off by a crash as a failed attempt', async () => {
    const dir = await scratch();
    const queue = await ReportQueue.open(dir);
    await queue.enqueue(report('r1'));
    // A POST that never returns stands for the process dying during it.
    const hanging: PostFn = () => new Promise(() => {});
    void queue.deliverDue(hanging, { now: 0, isDelivered: delivered200, backoffMs: () => 50 });
    const file = path.join(dir, QUEUE_FILE);
    for (let i = 0; i < 100; i++) {
      const stored = JSON.parse(await fs.readFile(file, 'utf8').catch(() => '{"reports":[]}')) as {
        reports: StoredReport[];
      };
      if (stored.reports[0]?.attempts.length === 1) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const restarted = await ReportQueue.open(dir);
    expect(restarted.get('r1')).toMatchObject({ attempts: [{ at: 0, error: 'interrupted' }], nextDueAt: 50 });
    const post = scripted(200);
    expect(await restarted.deliverDue(post, { now: 10, isDelivered: delivered200 })).toEqual([]);
    expect(await restarted.deliverDue(post, { now: 50, isDelivered: delivered200 })).toMatchObject([
      { outcome: 'delivered', attempts: 2 },
    ]);
  });

  it(
    verifies('DL-INST-12', 'a real endpoint down then up: the report is delivered on a later run'),
    async () => {
      const dir = await scratch();
      // Learn a free port, then leave it closed: the endpoint is down.
      const probe = await listen((_req, res) => res.end());
      const port = probe.port;
      await probe.close();
      const uri = `http://127.0.0.1:${port}/notify/obj`;
      const opts = { isDelivered: delivered200, backoffMs: () => 1000, timeoutMs: 2000 };

      const queue = await ReportQueue.open(dir);
      await queue.enqueue(report('r1', uri));
      const down = await queue.deliverDue(undefined, { ...opts, now: 0 });
      expect(down).toMatchObject([{ outcome: 'retry', attempts: 1 }]);
      expect(down[0]?.error).toContain(`POST ${uri}`);

      const received: { body: string; type: string | undefined }[] = [];
      // The same port again: the endpoint comes back where the report points.
      const server = await listen(async (req, res) => {
        let body = '';
        for await (const chunk of req) body += chunk;
        received.push({ body, type: req.headers['content-type'] });
        res.writeHead(200).end();
      }, port);
      cleanups.push(() => server.close());
      const nextRun = await ReportQueue.open(dir);
      const up = await nextRun.deliverDue(undefined, { ...opts, now: 1000 });
      expect(up).toMatchObject([{ outcome: 'delivered', status: 200, attempts: 2 }]);
      expect(received).toEqual([{ body: '900 Success', type: 'text/plain' }]);
      expect((await ReportQueue.open(dir)).pending()).toEqual([]);
    },
  );
});
