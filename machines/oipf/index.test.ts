import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { verifies } from '../../property-tests/verifies.js';
import { CLAUSE_IDS, type ClauseId } from '../clauses.js';
import * as oipf from './index.js';

/** Every clause id named in the meta of a machine's states and transitions. */
function clausesInMeta(machine: AnyStateMachine): Set<ClauseId> {
  const found = new Set<ClauseId>();
  const seen = new WeakSet<object>();
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    const meta = record.meta as { clauses?: ClauseId[] } | undefined;
    for (const id of meta?.clauses ?? []) found.add(id);
    for (const value of Object.values(record)) visit(value);
  };
  visit(machine.toJSON());
  return found;
}

describe('machines/oipf ledger', () => {
  const inMachines = new Set([
    ...clausesInMeta(oipf.oipfDownloadMachine),
    ...clausesInMeta(oipf.oipfManagerMachine),
  ]);
  const inFunctions = new Set(Object.values(oipf.OIPF_FUNCTION_CLAUSES).flat());
  const notApplicable = new Set(Object.keys(oipf.OIPF_NOT_APPLICABLE));
  const inAdapters = new Set(Object.keys(oipf.OIPF_ADAPTER_CLAUSES));

  it(
    verifies(
      'DAE-STATE-1',
      'every DAE-*/HBB-* clause is in machine meta, a pure function, a named adapter, or listed not applicable',
    ),
    () => {
      const oipfIds = CLAUSE_IDS.filter((id) => id.startsWith('DAE-') || id.startsWith('HBB-'));
      const orphans = oipfIds.filter(
        (id) => !inMachines.has(id) && !inFunctions.has(id) && !inAdapters.has(id) && !notApplicable.has(id),
      );
      expect(orphans).toEqual([]);
      for (const id of [
        'DAE-PRIO-1',
        'DAE-UPDATE-3',
        'HBB-FDP-1',
        'HBB-RESERVE-1',
        'DAE-REMOVE-2',
      ] as const) {
        expect(inMachines.has(id), id).toBe(true);
      }
      for (const id of notApplicable) expect(inMachines.has(id as ClauseId), id).toBe(false);
    },
  );

  it('every function named in OIPF_FUNCTION_CLAUSES is exported', () => {
    for (const name of Object.keys(oipf.OIPF_FUNCTION_CLAUSES)) {
      expect(typeof (oipf as Record<string, unknown>)[name], name).toBe('function');
    }
  });

  it(
    verifies(
      ['DAE-STATE-1', 'DAE-STATE-2', 'DAE-RESERVE-7'],
      'the constant tables hold the seed values, frozen',
    ),
    () => {
      expect(oipf.DAE_STATE_VALUES).toEqual([1, 2, 4, 8, 16, 32]);
      expect(oipf.DAE_REASON_VALUES).toEqual([0, 1, 2, 3, 4]);
      expect(Object.entries(oipf.RESERVE)).toEqual([
        ['RESERVE_OK', 0],
        ['RESERVE_NEVER', 1],
        ['RESERVE_USER_INTERVENTION_REQD', 2],
        ['RESERVE_USER_DECLINED', 3],
        ['RESERVE_TOO_LARGE', 4],
        ['RESERVE_SMALLER_THAN_USED', 5],
        ['RESERVE_UNKNOWN', 6],
      ]);
      expect(oipf.DAE_STATE.DOWNLOAD_STALLED).toBe(32);
      expect(oipf.DAE_REASON.STORAGE_FULL).toBe(0);
      expect(Object.keys(oipf.MANAGE_DOWNLOADS_VALUES)).toEqual(['none', 'initiator', 'samedomain', 'all']);
      for (const table of [
        oipf.DOWNLOAD_STATES,
        oipf.FAILURE_REASONS,
        oipf.RESERVE_RESULTS,
        oipf.PERMISSIONS,
        oipf.DAE_STATE,
      ]) {
        expect(Object.isFrozen(table)).toBe(true);
      }
      expect(Object.isFrozen(oipf.DOWNLOAD_STATES.DOWNLOAD_PAUSED)).toBe(true);
    },
  );

  it('the machines declare no invoke and no delayed transition', () => {
    const json = JSON.stringify([oipf.oipfDownloadMachine.toJSON(), oipf.oipfManagerMachine.toJSON()]);
    expect(json).not.toContain('"invoke":[{');
    expect(json).not.toContain('xstate.after');
  });
});
