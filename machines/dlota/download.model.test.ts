import { describe, expect, it } from 'vitest';
import type { AnyStateMachine, StateNode } from 'xstate';
import { createTestModel } from 'xstate/graph';
import { CLAUSE_IDS, type ClauseId, type ClauseMeta } from '../clauses.js';
import { dlotaMachine } from './download.machine.js';
import { DOWNLOAD_EFFECT_NAMES, type DownloadEvent } from './download.types.js';
import { B6_VECTOR as B6, b6Descriptor } from './download.walk.js';
import { DLOTA_FUNCTION_CLAUSES, DLOTA_NOT_APPLICABLE } from './trace.js';

const EVENTS: DownloadEvent[] = [
  { type: 'DESCRIPTOR.LOADED', body: b6Descriptor(), url: B6.ddUrl },
  { type: 'DESCRIPTOR.LOADED', body: '<media', url: B6.ddUrl },
  { type: 'DESCRIPTOR.FAILED', reason: 'ECONNREFUSED' },
  { type: 'FREE_SPACE.MEASURED', bytes: 1e9 },
  { type: 'FREE_SPACE.MEASURED', bytes: 1 },
  { type: 'USER.CONFIRMED' },
  { type: 'USER.DECLINED' },
  { type: 'USER.PAUSE' },
  { type: 'USER.RESUME' },
  { type: 'USER.CANCEL' },
  { type: 'RESPONSE.HEADERS', status: 200, acceptRanges: 'bytes', etag: B6.etag, contentLength: B6.size },
  { type: 'RESPONSE.HEADERS', status: 206, contentRange: 'bytes 1034-25431/25432' },
  { type: 'RESPONSE.HEADERS', status: 412 },
  { type: 'RESPONSE.HEADERS', status: 404 },
  { type: 'BODY.DURABLE', offset: B6.cut },
  { type: 'BODY.END', offset: B6.size },
  { type: 'CONNECTION.LOST', cause: 'ECONNRESET' },
  { type: 'NETWORK.BACK' },
  { type: 'STORAGE.FULL' },
  { type: 'DEVICE.SHUTDOWN' },
  { type: 'RESTART.RECOVERED', offset: B6.cut, etag: B6.etag, length: B6.size },
  { type: 'INSTALL.RECOVERED', files: [{ objectURI: B6.url, size: B6.size, types: ['image/gif'] }] },
  { type: 'INSTALL.PREPARED' },
  { type: 'INSTALL.FAILED', reason: 'insufficientMemory' },
  { type: 'REPORT.ACCEPTED' },
  { type: 'REPORT.FAILED', status: 503 },
  { type: 'TIMER.FIRED', name: 'reportRetry' },
];

/** Every state node of a machine, depth first. */
function nodes(machine: AnyStateMachine): StateNode[] {
  const out: StateNode[] = [];
  const visit = (node: StateNode) => {
    for (const child of Object.values(node.states)) {
      out.push(child);
      visit(child);
    }
  };
  visit(machine.root);
  return out;
}

/** Clause ids carried by the machine's states and transitions. */
function machineClauses(machine: AnyStateMachine): Set<ClauseId> {
  const ids = new Set<ClauseId>();
  const add = (meta: unknown) => {
    for (const id of (meta as ClauseMeta | undefined)?.clauses ?? []) ids.add(id);
  };
  for (const node of nodes(machine)) {
    add(node.meta);
    for (const list of node.transitions.values()) for (const t of list) add(t.meta);
    for (const t of node.always ?? []) add(t.meta);
  }
  return ids;
}

describe('dlotaMachine as a model', () => {
  it('createTestModel computes shortest paths reaching every state (no invoke, no after)', () => {
    const model = createTestModel(dlotaMachine, {
      events: EVENTS,
      serializeState: (snapshot) => {
        const { transfer, report, updates, outcome } = snapshot.context;
        return JSON.stringify([
          snapshot.value,
          transfer.offset,
          transfer.acceptRanges,
          report?.attempts,
          updates,
          outcome,
        ]);
      },
    });
    const paths = model.getShortestPaths({
      input: { ddUrl: B6.ddUrl, supportedTypes: ['image/*'], maxUpdates: 1 },
    });
    const atomic = nodes(dlotaMachine).filter((n) => n.type === 'atomic' || n.type === 'final');
    const stateIds = new Set(
      paths
        .flatMap((p) => [p.state, ...p.steps.map((s) => s.state)])
        .flatMap((s) => s._nodes.map((n) => n.id)),
    );
    // Transient states (deciding, verifying, validating, settling) are passed through, never rested in.
    const resting = atomic.filter((n) => (n.always ?? []).length === 0);
    expect(resting.map((n) => n.id).filter((id) => !stateIds.has(id))).toEqual([]);
    expect(paths.some((p) => p.state.status === 'done' && p.state.output?.statusCode === 900)).toBe(true);
    expect(paths.some((p) => p.state.output?.statusCode === 957)).toBe(true);
  });

  it('the chart is plain data: no invoke, no delayed transitions, every effect action is a port member', () => {
    const json = JSON.stringify(dlotaMachine.toJSON());
    expect(json).not.toMatch(/xstate\.after|"invoke":\[\{/);
    const effects = DOWNLOAD_EFFECT_NAMES;
    for (const name of effects) expect(Object.keys(dlotaMachine.implementations.actions)).toContain(name);
    for (const node of nodes(dlotaMachine)) {
      expect(node.invoke, node.id).toEqual([]);
      expect(node.after, node.id).toEqual([]);
    }
  });

  it('every DL-* clause is on the machine, on a pure function, or listed as not applicable', () => {
    const onMachine = machineClauses(dlotaMachine);
    const onFunctions = new Set(Object.values(DLOTA_FUNCTION_CLAUSES).flat());
    const notApplicable = new Set(Object.keys(DLOTA_NOT_APPLICABLE));
    const orphans = CLAUSE_IDS.filter((id) => id.startsWith('DL-')).filter(
      (id) => !onMachine.has(id) && !onFunctions.has(id) && !notApplicable.has(id),
    );
    expect(orphans).toEqual([]);
    for (const id of notApplicable) expect(onMachine.has(id as ClauseId), id).toBe(false);
    expect(DLOTA_NOT_APPLICABLE['DL-INST-3']).toMatch(/co-delivery/i);
  });
});
