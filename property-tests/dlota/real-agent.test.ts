import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelPaths, runPath } from '../paths.js';
import { type ScriptedServer, startScriptedServer } from '../support/scripted-server.js';
import { verifies } from '../verifies.js';
import { planPath, REAL_EXCLUSIONS, RealAgentSystem, realClauses, realObjects } from './real-system.js';

const set = modelPaths('dlota')!;
const plans = set.paths.map(planPath);
const driven = plans.filter((p) => p.excluded.length === 0);
const excluded = plans.filter((p) => p.excluded.length > 0);
const objects = realObjects(set.paths.length);

let scripted: ScriptedServer;
beforeAll(async () => {
  scripted = await startScriptedServer();
});
afterAll(async () => {
  await scripted?.close();
});

describe('dlotaMachine model paths driven against the REAL agent (loopback scripted server, real files)', () => {
  it('lists every path it does not drive, with the reason of each excluded event', () => {
    const lines = excluded.map(
      (p) => `  - ${p.path.name}: ${p.excluded.map((key) => `${key} (${REAL_EXCLUSIONS[key]})`).join('; ')}`,
    );
    console.info(
      `real agent: ${driven.length}/${plans.length} model paths driven; not driven:\n${lines.join('\n')}`,
    );
    expect(driven.length + excluded.length).toBe(set.paths.length);
    // Every exclusion key used has a reason, and every reason is still used by some path.
    const used = new Set(excluded.flatMap((p) => p.excluded));
    expect([...used].every((key) => REAL_EXCLUSIONS[key] !== undefined)).toBe(true);
    expect(Object.keys(REAL_EXCLUSIONS).filter((key) => !used.has(key))).toEqual([]);
    expect(driven.length).toBeGreaterThanOrEqual(25);
  });

  for (const plan of driven) {
    const { path } = plan;
    const index = set.paths.indexOf(path);
    const object = objects[index]!;
    const title = `${path.name} (${object.size} B, cut @${object.cut}): ${path.steps.map((s) => s.label).join(' → ') || '(start)'}`;
    it(verifies(realClauses(path), title), { timeout: 20_000 }, async () => {
      const system = new RealAgentSystem(scripted, `p${index}.gif`, object);
      await runPath(path, system);
      expect(system.trace.length).toBeGreaterThan(path.steps.length);
    });
  }
});
