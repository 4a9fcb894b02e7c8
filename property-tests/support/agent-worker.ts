/**
 * Runs one agent run in a worker thread and kills it abruptly from inside at a body offset the parent arms
 * (`process.exit` in a worker ends the thread at once: no flush, no journal update, no report — the in-process
 * stand-in for SIGKILL). Observations and the result are posted back; a kill exits with code 137.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type AgentOptions, startAgent } from '../../adapters/agent/index.js';

/** What the parent passes: the run's options. It arms the kill with a `{ type: 'kill', at }` message. */
export interface AgentWorkerData {
  readonly options: Omit<AgentOptions, 'onObservation'>;
}

const port = parentPort;
if (port === null) throw new Error('agent-worker.ts must run in a worker thread');
const { options } = workerData as AgentWorkerData;
let bodyStart = 0;
let received = 0;
let killAt: number | undefined;
const killIfDue = () => {
  if (killAt !== undefined && received >= killAt) process.exit(137);
};
const run = startAgent({
  ...options,
  onObservation: (o) => {
    port.postMessage({ type: 'observation', observation: o });
    if (o.event === 'request' && o.url.includes('/media/')) {
      const from = /^bytes=(\d+)-/.exec(o.headers.range ?? '')?.[1];
      bodyStart = from === undefined ? 0 : Number(from);
      received = bodyStart;
    }
    if (o.event === 'progress') {
      received = o.received;
      killIfDue();
    }
  },
});
port.on('message', (m: { type?: string; at?: number }) => {
  if (m.type === 'stop') run.stop('user');
  if (m.type === 'kill' && m.at !== undefined) {
    // Armed relative to the body being received: "kill after `at` bytes of this response" (or at once if past).
    killAt = bodyStart + m.at;
    killIfDue();
  }
});
run.result.then(
  (result) => {
    port.postMessage({ type: 'result', result });
    port.close();
  },
  (error: unknown) => port.postMessage({ type: 'error', message: String(error) }),
);
