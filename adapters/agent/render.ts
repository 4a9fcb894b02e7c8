/**
 * Words for a run: the narrative line of an observation (plain output when stdout is not a terminal), the
 * closing line (status code and reason in words) and the exit code of a run's result.
 *
 * @module
 */
import type { AgentResult } from './agent.js';
import { EXIT_CONFIRMATION_NEEDED, EXIT_PAUSED, exitCodeFor } from './exit-codes.js';
import type { Observation } from './observation.js';

/** Bytes in binary units with one decimal (`8.0 MiB`). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function interesting(headers: Readonly<Record<string, string>>, names: readonly string[]): string {
  const parts = names.filter((n) => headers[n] !== undefined).map((n) => `${n}: ${headers[n]}`);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

/** One readable line for an observation, or `undefined` for those not worth a line (progress, most states). */
export function describeObservation(o: Observation): string | undefined {
  switch (o.event) {
    case 'request':
      return `→ ${o.method} ${o.url}${interesting(o.headers, ['range', 'if-match', 'content-type'])}`;
    case 'response':
      return `← ${o.status} ${o.url}${interesting(o.headers, ['content-range', 'content-length', 'accept-ranges', 'etag'])}`;
    case 'state':
      if (o.state === 'retrieving.paused') return '‖ paused: the kept range stays on disk';
      if (o.state === 'retrieving.resuming') return '▶ resuming from the durable offset';
      return undefined;
    case 'recovered':
      return `↺ found a kept range from an earlier run: ${formatBytes(o.offset)} of ${formatBytes(o.length)}${o.etag ? ` (ETag ${o.etag})` : ''}`;
    case 'recovered-install':
      return `↺ an earlier run's 900 was accepted: finished installing ${o.files.join(', ')} (nothing fetched or reported again)`;
    case 'status':
      return `status ${o.code} ${o.text}: ${o.reported ? 'reported to the server' : 'not reported'}`;
    case 'report':
      return `report "${o.body}" to ${o.url}: ${o.outcome}${o.status === undefined ? '' : ` (HTTP ${o.status})`}`;
    case 'error':
      return `✗ descriptor ${o.url}: ${o.error.message}`;
    case 'paused':
      return `paused (${o.cause}) at ${formatBytes(o.offset)} of ${formatBytes(o.length)}`;
    case 'done':
      return [
        ...o.files.map((f) => `installed ${f}`),
        ...(o.nextURL === null ? [] : [`next: ${o.nextURL}`]),
      ].join('\n');
    default:
      return undefined;
  }
}

/** The exit code and the closing stderr line of a run's result (the line names the status code and reason). */
export function closingLine(result: AgentResult): { code: number; line: string } {
  switch (result.kind) {
    case 'finished': {
      const o = result.output;
      const code = exitCodeFor(o.outcome, o.installed);
      const files = o.files.length;
      const why =
        o.outcome === 'success'
          ? o.installed
            ? `installed ${files} file${files === 1 ? '' : 's'}`
            : 'the server did not accept the success report, so nothing was installed and the object was discarded (the 900 is not sent later; rerun to download again)'
          : (o.reason ?? 'failed');
      return { code, line: `dlstate: ${o.statusLine} — ${why}` };
    }
    case 'paused':
      return {
        code: EXIT_PAUSED,
        line: `dlstate: paused (${result.cause ?? 'unknown'}), no status reported — ${formatBytes(result.offset)} of ${formatBytes(result.length)} kept; run the same command again to resume`,
      };
    case 'interrupted':
      return {
        code: EXIT_PAUSED,
        line: `dlstate: interrupted in ${result.state}, no status reported — what was durably written is kept; run the same command again to continue`,
      };
    case 'confirmationRequired':
      return {
        code: EXIT_CONFIRMATION_NEEDED,
        line: `dlstate: confirmation needed for ${result.request.name ?? 'this download'} (${formatBytes(result.request.size)}) but stdin is not a terminal — pass --yes to confirm; nothing was downloaded or reported`,
      };
  }
}
