import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { acceptPartial, type ResumeResponse } from '../../machines/dlota/download.logic.js';
import { dlotaMachine } from '../../machines/dlota/index.js';
import { checkPath, pathClauses } from '../machine-system.js';
import { modelPaths } from '../paths.js';
import { verifies } from '../verifies.js';
import { DLOTA_CHECKS } from './dlota.checks.js';

const set = modelPaths('dlota')!;

describe('dlotaMachine model paths (xstate/graph; checked with the pure transition API)', () => {
  it('the paths take every transition of the chart and reach every resting state', () => {
    expect(set.untaken.map((t) => `${t.source} ${t.event}`)).toEqual([]);
    expect(set.paths.filter((p) => p.kind === 'state').length).toBeGreaterThanOrEqual(10);
  });

  for (const path of set.paths) {
    const clauses = pathClauses(set, path, DLOTA_CHECKS);
    const title = `${path.name}: ${path.steps.map((s) => s.label).join(' → ') || '(start)'}`;
    it(clauses.length > 0 ? verifies(clauses, title) : title, async () => {
      const system = await checkPath(dlotaMachine, set, path, DLOTA_CHECKS);
      expect(system.events).toHaveLength(path.steps.length);
    });
  }
});

/** Runs every path on a mutant with the checks only (no state comparison); the names of the paths that fail. */
async function caught(mutant: AnyStateMachine): Promise<string[]> {
  const failed: string[] = [];
  for (const path of set.paths) {
    await checkPath(mutant, set, path, DLOTA_CHECKS, { compareStates: false }).catch(() =>
      failed.push(path.name),
    );
  }
  return failed;
}

describe('dlotaMachine model checks catch broken rules (mutants made with machine.provide)', () => {
  const event = (e: unknown) => e as { type: string; status?: number; etag?: string };
  it('appending the body of a 200 to the kept range', async () => {
    const mutant = dlotaMachine.provide({
      guards: {
        resumeRestarts: () => false,
        partialAppends: ({ event: e }) => event(e).status === 200 || event(e).status === 206,
      },
    });
    expect(await caught(mutant)).toContain('take retrieving.resuming RESPONSE.HEADERS [resumeRestarts]');
  });
  it('appending a fitting 206 of another object version (a server that ignores If-Match)', async () => {
    const mutant = dlotaMachine.provide({
      guards: {
        objectUpdated: ({ event: e }) => event(e).status === 412,
        partialAppends: ({ context, event: e }) =>
          acceptPartial({ ...context.transfer, etag: event(e).etag }, e as ResumeResponse) === 'append',
      },
    });
    expect(await caught(mutant)).toContain('take retrieving.resuming RESPONSE.HEADERS [objectUpdated]');
  });
  it('making the object usable before the success report was delivered', async () => {
    const mutant = dlotaMachine.provide({
      guards: { successDelivered: ({ context }) => context.outcome === 'success' },
    });
    expect(await caught(mutant)).toContain('take settling (always) [successUndelivered]');
  });
  it('pausing (and later resuming) without Accept-Ranges: bytes', async () => {
    const mutant = dlotaMachine.provide({ guards: { transferResumable: () => true } });
    expect(await caught(mutant)).toContain('take retrieving.downloading CONNECTION.LOST');
  });
});
