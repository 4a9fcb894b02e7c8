/**
 * The reference server in a process of its own for `npm run bench` (forked with an IPC channel), so its
 * resident memory is measured apart from the load generator. Messages: it sends `{ url }` once listening;
 * on `'stats'` it collects garbage (when run with `--expose-gc`) and answers with its RSS, heap and hash count.
 *
 * @module
 */
import { getHeapSpaceStatistics } from 'node:v8';
import { startDownloadServer } from '../server/server.js';

const dir = process.argv[2];
if (dir === undefined) throw new Error('server-child: the served directory is the first argument');
const server = await startDownloadServer({ dir });
process.send?.({ url: server.url });
process.on('message', (message) => {
  if (message === 'stats') {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const usage = process.memoryUsage();
    process.send?.({
      rss: usage.rss,
      heapUsed: usage.heapUsed,
      heapTotal: usage.heapTotal,
      external: usage.external,
      newSpace: getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0,
      hashComputations: server.hashComputations,
    });
  } else if (message === 'close') {
    void server.close().then(() => process.exit(0));
  }
});
