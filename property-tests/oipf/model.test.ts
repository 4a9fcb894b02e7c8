import { describe, expect, it } from 'vitest';
import { type AnyStateMachine, assign, enqueueActions } from 'xstate';
import {
  type NotifyParams,
  oipfDownloadMachine,
  oipfManagerMachine,
  outcomeOfHeaders,
  type TransferOutcome,
} from '../../machines/oipf/index.js';
import { checkPath, type PathCheck, pathClauses } from '../machine-system.js';
import { modelPaths } from '../paths.js';
import { verifies } from '../verifies.js';
import { OIPF_DOWNLOAD_CHECKS, OIPF_MANAGER_CHECKS } from './oipf.checks.js';

const MODELS = [
  { id: 'oipf-download', machine: oipfDownloadMachine, checks: OIPF_DOWNLOAD_CHECKS },
  { id: 'oipf-manager', machine: oipfManagerMachine, checks: OIPF_MANAGER_CHECKS },
] as const;

for (const { id, machine, checks } of MODELS) {
  const set = modelPaths(id)!;
  describe(`${id} model paths (xstate/graph; checked with the pure transition API)`, () => {
    it('the paths take every transition of the chart', () => {
      expect(set.untaken.map((t) => `${t.source} ${t.event} ${t.guard ?? ''}`)).toEqual([]);
    });

    for (const path of set.paths) {
      const clauses = pathClauses(set, path, checks as readonly PathCheck[]);
      const title = `${path.name}: ${path.steps.map((s) => s.label).join(' → ') || '(start)'}`;
      it(clauses.length > 0 ? verifies(clauses, title) : title, async () => {
        const system = await checkPath(machine, set, path, checks);
        expect(system.events).toHaveLength(path.steps.length);
      });
    }
  });
}

describe('OIPF model checks catch broken rules (mutants made with machine.provide)', () => {
  async function caught(
    id: string,
    mutant: AnyStateMachine,
    checks: readonly PathCheck[],
  ): Promise<string[]> {
    const set = modelPaths(id)!;
    const failed: string[] = [];
    for (const path of set.paths) {
      await checkPath(mutant, set, path, checks, { compareStates: false }).catch(() =>
        failed.push(path.name),
      );
    }
    return failed;
  }

  it('appending a 200 body to the bytes already on disk', async () => {
    const mutant = oipfDownloadMachine.provide({
      guards: {
        headersGive: ({ context, event }, params: { outcome: TransferOutcome }) => {
          if (event.type !== 'TRANSFER.HEADERS') return false;
          const outcome = outcomeOfHeaders(context, event);
          return (outcome === 'restart' ? 'accept' : outcome) === params.outcome;
        },
      },
    });
    expect((await caught('oipf-download', mutant, OIPF_DOWNLOAD_CHECKS)).length).toBeGreaterThan(0);
  });

  it('firing a state-change event twice', async () => {
    const mutant = oipfDownloadMachine.provide({
      actions: {
        notifyStateChanged: enqueueActions(({ context, enqueue }, params: NotifyParams) => {
          const event = {
            type: 'STATE_CHANGED' as const,
            id: context.id,
            state: params.state,
            reason: params.reason,
          };
          enqueue.emit(event);
          enqueue.emit(event);
        }),
      },
    });
    const failed = await caught('oipf-download', mutant, OIPF_DOWNLOAD_CHECKS);
    expect(failed.filter((name) => name.startsWith('reach ')).length).toBeGreaterThan(5);
  });

  it('a refused call reporting true', async () => {
    const mutant = oipfManagerMachine.provide({
      actions: {
        refuse: assign({
          lastResult: ({ event }) =>
            'downloadId' in event
              ? { method: 'pause' as const, downloadId: String(event.downloadId), value: true }
              : undefined,
        }),
      },
    });
    expect((await caught('oipf-manager', mutant, OIPF_MANAGER_CHECKS)).length).toBeGreaterThan(0);
  });
});
