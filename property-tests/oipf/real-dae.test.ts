import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClauseId } from '../../machines/clauses.js';
import { pathClauses } from '../machine-system.js';
import { modelPaths, runPath } from '../paths.js';
import { verifies } from '../verifies.js';
import { OIPF_DOWNLOAD_CHECKS } from './oipf.checks.js';
import { GateServer, RealDaeSystem, realDaeExcluded, realScenarios } from './real-dae.system.js';

const set = modelPaths('oipf-download')!;
const scenarios = realScenarios(set.paths.length);
const REAL_DAE_EXCLUDED = realDaeExcluded();

/** The clauses a real run of a path checks beyond the model checks: by the event types it drives. */
function realClauses(types: readonly string[]): ClauseId[] {
  const ids: ClauseId[] = ['DAE-EVT-1', 'DAE-EVT-2', 'DAE-STATE-1', 'DAE-STATE-2'];
  if (types.includes('APP.PAUSE')) ids.push('DAE-PAUSE-1', 'DAE-PAUSE-2');
  if (types.includes('APP.RESUME')) ids.push('DAE-RESUME-1');
  if (types.includes('APP.UPDATE_URL')) ids.push('DAE-UPDATE-1', 'DAE-UPDATE-5');
  if (types.includes('APP.REMOVE')) ids.push('DAE-REMOVE-1', 'DAE-REMOVE-2');
  if (types.some((t) => t.startsWith('SCHEDULER.'))) ids.push('DAE-PRIO-1');
  return ids;
}

describe('oipf-download model paths on the REAL DAE objects (scripted loopback server)', () => {
  const server = new GateServer();
  beforeAll(() => server.start());
  afterAll(() => server.close());

  const driven = set.paths.filter((p) => REAL_DAE_EXCLUDED[p.name] === undefined);
  it('lists every path it does not drive, with a reason', () => {
    const lines = Object.entries(REAL_DAE_EXCLUDED).map(([name, why]) => `  - ${name}: ${why}`);
    console.info(
      `real DAE: driving ${driven.length}/${set.paths.length} oipf-download paths; excluded:\n${lines.join('\n')}`,
    );
    expect(driven.length + lines.length).toBe(set.paths.length);
    expect(driven.length).toBeGreaterThan(0);
  });

  for (const [i, path] of set.paths.entries()) {
    if (REAL_DAE_EXCLUDED[path.name] !== undefined) continue;
    const types = path.steps.map((s) => s.event.type);
    const clauses = [
      ...new Set([...pathClauses(set, path, OIPF_DOWNLOAD_CHECKS), ...realClauses(types)]),
    ].sort();
    const title = `real: ${path.name}: ${path.steps.map((s) => s.label).join(' → ') || '(start)'}`;
    it(verifies(clauses, title), { timeout: 15_000 }, async () => {
      server.reset();
      const system = new RealDaeSystem(server, scenarios[i]!, String(i));
      await runPath(path, system);
      expect(system.seen.length).toBeGreaterThanOrEqual(1);
    });
  }
});
