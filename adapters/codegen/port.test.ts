import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeMachine } from '../../machines/describe.js';
import { typecheck } from './compile.test-support.js';
import { EffectsReader } from './effects.js';
import { fixtureEntry } from './fixtures/fixture.machine.js';
import { packageRoot } from './generate.js';
import { effectUsage, renderPort } from './port.js';

const root = packageRoot();
const effects = new EffectsReader(root).read(fixtureEntry.typesFile, fixtureEntry.effectsInterface);
const description = describeMachine(fixtureEntry.machine);
const sources = [fixtureEntry.file, fixtureEntry.typesFile];
const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Type-checks the files of `dir` strict (see {@link typecheck}); returns the diagnostics as `file:line message`. */
function compile(dir: string, files: Record<string, string>): string[] {
  return typecheck(dir, files);
}

const client = `import type { FixtureEvent, FixturePort } from './fixture.port.js';

export class FakeClient implements FixturePort {
  readonly log: string[] = [];
  readonly inbox: FixtureEvent[] = [];
  httpGet(params: Parameters<FixturePort['httpGet']>[0]): void {
    this.log.push(\`GET \${params.uri} \${params.range ? \`\${params.range.first}-\${params.range.last}\` : ''}\`);
    this.inbox.push({ type: 'RESPONSE.OK', size: 3 });
  }
  postReport(params: Parameters<FixturePort['postReport']>[0]): void {
    this.log.push(\`POST \${params.status} \${params.clauses.join(' ')}\`);
  }
  startTimer(params: Parameters<FixturePort['startTimer']>[0]): void {
    this.log.push(\`timer \${params.name} \${params.ms}\`);
  }
}
`;

describe('renderPort', () => {
  it('lists, per effect, the requesting transitions, their clause ids and the events handled next', () => {
    expect(effectUsage(description, 'httpGet')).toEqual({
      requestedBy: ['USER.START in idle → fetching', 'USER.RESUME in fetching.paused → fetching.active'],
      clauses: ['DL-RET-2', 'DL-PR-8', 'DL-PR-9'],
      eventsNext: ['RESPONSE.OK', 'RESPONSE.FAILED', 'USER.PAUSE'],
    });
    expect(effectUsage(description, 'startTimer')).toEqual({
      requestedBy: ['entry of fetching.waiting'],
      clauses: [],
      eventsNext: ['TIMER.FIRED'],
    });
    const text = renderPort({ id: 'fixture', sources, description, effects, types: { kind: 'inline' } });
    expect(text).toContain('   * Clauses: DL-RET-2, DL-PR-8, DL-PR-9.\n');
    expect(text).toContain('   * GET the object, with a Range for the missing bytes when resuming.\n');
  });

  it('imports the params types from the types file and compiles strict, wired into machine.provide', () => {
    // Inside the repo (.cache is ignored) so that `xstate` resolves for the provide() check.
    mkdirSync(join(root, '.cache'), { recursive: true });
    const dir = mkdtempSync(join(root, '.cache', 'port-import-'));
    dirs.push(dir);
    const specifier = relative(dir, join(root, fixtureEntry.typesFile))
      .split('\\')
      .join('/')
      .replace(/\.ts$/, '.js');
    const port = renderPort({
      id: 'fixture',
      sources,
      description,
      effects,
      types: { kind: 'import', specifier },
    });
    expect(port).toContain(`import type { FixtureEffects } from '${specifier}';`);
    const machinePath = relative(dir, join(root, fixtureEntry.file))
      .split('\\')
      .join('/')
      .replace(/\.ts$/, '.js');
    const wiring = `import { fixtureMachine } from '${machinePath}';
import { FakeClient } from './client.js';
import { fixturePortActions } from './fixture.port.js';

export const provided = fixtureMachine.provide({ actions: fixturePortActions(new FakeClient()) });
`;
    expect(compile(dir, { 'fixture.port.ts': port, 'client.ts': client, 'wiring.ts': wiring })).toEqual([]);
  });

  it('inlines the types outside the repo: the port alone compiles strict and a client implements it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlstate-port-'));
    dirs.push(dir);
    const port = renderPort({ id: 'fixture', sources, description, effects, types: { kind: 'inline' } });
    expect(port).not.toMatch(/from '/);
    expect(port).toContain('export interface ByteRange');
    expect(compile(dir, { 'fixture.port.ts': port, 'client.ts': client })).toEqual([]);
  });

  it('makes a missing effect a compile error in the implementing client', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlstate-port-'));
    dirs.push(dir);
    const port = renderPort({ id: 'fixture', sources, description, effects, types: { kind: 'inline' } });
    const incomplete = client.replace(/ {2}startTimer\([\s\S]*?\n {2}\}\n/, '');
    expect(incomplete).not.toContain('startTimer(');
    const diagnostics = compile(dir, { 'fixture.port.ts': port, 'client.ts': incomplete });
    expect(diagnostics.join('\n')).toMatch(/client\.ts:3 [\s\S]*Property 'startTimer' is missing/);
  });
});
