/**
 * Runs one agent run in a worker thread and kills it abruptly from inside at a body offset the parent arms
 * (`process.exit` in a worker ends the thread at once: no flush, no journal update, no report — the in-process
 * stand-in for SIGKILL). Observations and the result are posted back; a kill exits with code 137.
 *
 * Arming is synchronous: at every media request the worker waits (Atomics.wait on `workerData.arming`) until the
 * parent has seen the request and answered whether to kill in that response, so a body cannot finish before the
 * answer arrives. An armed kill fires at the first progress at or past its offset, at the latest when the whole
 * body is written (before the run installs it).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type AgentOptions, startAgent } from '../../adapters/agent/index.js';

/** What the parent passes: the run's options and the shared arming cell. */
export interface AgentWorkerData {
  readonly options: Omit<AgentOptions, 'onObservation'>;
  /** Two Int32 slots: [0] answers the parent gave (it adds 1 and notifies), [1] the kill offset in the body or -1. */
  readonly arming: SharedArrayBuffer;
}

/** Longest wait for the parent's answer to a media request, in ms (then the run goes on unarmed). */
const ARMING_WAIT_MS = 5000;

const port = parentPort;
if (port === null) throw new Error('agent-worker.ts must run in a worker thread');
const { options, arming } = workerData as AgentWorkerData;
const cell = new Int32Array(arming);
let bodyStart = 0;
let received = 0;
let killAt: number | undefined;
const run = startAgent({
  ...options,
  onObservation: (o) => {
    const media = o.event === 'request' && o.url.includes('/media/');
    // Read before posting: the parent may answer before this thread reaches the wait.
    const answers = Atomics.load(cell, 0);
    port.postMessage({ type: 'observation', observation: o });
    if (media) {
      const from = /^bytes=(\d+)-/.exec(o.headers.range ?? '')?.[1];
      bodyStart = from === undefined ? 0 : Number(from);
      received = bodyStart;
      Atomics.wait(cell, 0, answers, ARMING_WAIT_MS);
      const at = Atomics.load(cell, 1);
      // "Kill after `at` bytes of this response", or once the body is all written if it is shorter.
      killAt = at >= 0 ? bodyStart + at : undefined;
    }
    if (o.event === 'progress') {
      received = o.received;
      if (killAt !== undefined && received >= Math.min(killAt, o.total)) process.exit(137);
    }
  },
});
port.on('message', (m: { type?: string }) => {
  if (m.type === 'stop') run.stop('user');
});
run.result.then(
  (result) => {
    port.postMessage({ type: 'result', result });
    port.close();
  },
  (error: unknown) => port.postMessage({ type: 'error', message: String(error) }),
);
