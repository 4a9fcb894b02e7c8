/**
 * One agent run as a real process that SIGKILLs itself at a named point: the first observation matching
 * `crashAt` (a JSON object whose fields must all be equal, e.g. `{"event":"install-step","step":"recorded"}`).
 * The kill is synchronous, inside the agent's own call that emitted the observation, so nothing after that
 * point runs — no flush, no journal update, no report. Every observation is written to stdout as a JSON line
 * (synchronously) before the check; the last line is `{"result": …}` when the run ends without a kill.
 *
 * Usage: `node --import tsx crash-agent.ts '<AgentOptions JSON>' '<crashAt JSON or null>'`
 */
import { writeSync } from 'node:fs';
import { type AgentOptions, startAgent } from '../../adapters/agent/index.js';

const options = JSON.parse(process.argv[2] ?? '{}') as Omit<AgentOptions, 'onObservation'>;
const crashAt = JSON.parse(process.argv[3] ?? 'null') as Record<string, unknown> | null;

const matches = (o: object) =>
  crashAt !== null && Object.entries(crashAt).every(([k, v]) => (o as Record<string, unknown>)[k] === v);

const run = startAgent({
  ...options,
  onObservation: (o) => {
    writeSync(1, `${JSON.stringify(o)}\n`);
    if (matches(o)) process.kill(process.pid, 'SIGKILL');
  },
});
run.result.then(
  (result) => writeSync(1, `${JSON.stringify({ result })}\n`),
  (error: unknown) => {
    writeSync(1, `${JSON.stringify({ error: (error as Error).message, name: (error as Error).name })}\n`);
    process.exitCode = 1;
  },
);
