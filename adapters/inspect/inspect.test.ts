import { get } from 'node:http';
import { createWebSocketInspector } from '@statelyai/inspect';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createActor, type InspectionEvent } from 'xstate';
import { describeMachine } from '../../machines/describe.js';
import { dlotaMachine } from '../../machines/dlota/index.js';
import { oipfManagerMachine } from '../../machines/oipf/index.js';
import { MACHINES } from '../../machines/registry.js';
import { registerInspectCommand } from '../cli/inspect.command.js';
import { bufferIo } from '../cli/io.js';
import { annotateSvg, inspectDiagram } from './diagram.js';
import { createInspector, inspectionTranslator } from './producer.js';
import {
  type InspectMessage,
  leafIds,
  normaliseProducerMessage,
  type RelayedMessage,
  type SnapshotMessage,
  stateIdsOf,
} from './protocol.js';
import { type InspectRelay, startInspectRelay } from './relay.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function relay(options: Parameters<typeof startInspectRelay>[0] = {}): Promise<InspectRelay> {
  const r = await startInspectRelay(options);
  cleanups.push(() => r.close());
  return r;
}

/** Resolves once `check` holds, polling every 10 ms for at most `ms`. */
async function until(check: () => boolean, ms = 5000): Promise<void> {
  for (let waited = 0; !check(); waited += 10) {
    if (waited >= ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const DLOTA_INPUT = { ddUrl: 'http://127.0.0.1:9/dd/x', supportedTypes: ['*/*'] };

describe('state ids', () => {
  it('lists every active state id, ancestors first, as describeMachine names them', () => {
    expect(stateIdsOf('done')).toEqual(['done']);
    expect(stateIdsOf({ retrieving: 'paused' })).toEqual(['retrieving', 'retrieving.paused']);
    expect(stateIdsOf({ a: { b: 'c' }, d: 'e' })).toEqual(['a', 'a.b', 'a.b.c', 'd', 'd.e']);
    expect(leafIds(['a', 'a.b', 'a.b.c', 'd', 'd.e'])).toEqual(['a.b.c', 'd.e']);
    const ids = new Set(describeMachine(dlotaMachine).states.map((s) => s.id));
    for (const id of stateIdsOf({ retrieving: 'paused' })) expect(ids.has(id)).toBe(true);
  });
});

describe('diagrams for the viewer', () => {
  it('marks the group of every state of every machine with data-state', () => {
    for (const entry of MACHINES) {
      const d = inspectDiagram(entry.id);
      expect(new Set(d.annotated)).toEqual(new Set(d.stateIds));
      for (const id of d.stateIds) expect(d.svg).toContain(`data-state="${id}"`);
      // Ids are prefixed per machine so three inline SVGs do not share marker ids.
      expect(d.svg).not.toMatch(/\sid="arrowhead"/);
      expect(d.svg).not.toMatch(/https?:\/\/(?!www\.w3\.org\/)/);
    }
  });

  it('annotates the fallback drawing state by state, in document order', () => {
    const description = describeMachine(dlotaMachine);
    const svg = `<svg>${description.states.map((s) => `<g><text>${s.key}</text></g>`).join('')}</svg>`;
    const { svg: out, annotated } = annotateSvg(description, svg, 'fallback');
    expect(annotated).toEqual(description.states.map((s) => s.id));
    expect(out).toContain('<g data-state="retrieving.paused"><text>paused</text></g>');
  });
});

describe('producer', () => {
  it('turns XState inspection (microsteps included) into snapshot messages with transitions and clause ids', () => {
    const out: InspectMessage[] = [];
    const actor = createActor(dlotaMachine, {
      input: DLOTA_INPUT,
      inspect: inspectionTranslator((m) => out.push(m)),
    });
    actor.start();
    actor.send({ type: 'DESCRIPTOR.FAILED', reason: 'gone', status: 404 });
    actor.stop();
    expect(out[0]).toEqual({ type: 'actor', machineId: 'dlota', sessionId: actor.sessionId });
    const snapshots = out.filter((m): m is SnapshotMessage => m.type === 'snapshot');
    expect(snapshots.map((s) => s.stateIds)).toEqual([['fetchingDescriptor'], ['failed']]);
    const last = snapshots[1] as SnapshotMessage;
    expect(last.event).toEqual({ type: 'DESCRIPTOR.FAILED' });
    expect(last.status).toBe('done');
    // The eventless steps through notifying and settling are visible only through microsteps.
    expect(last.transitions.map((t) => `${t.source}>${t.targets.join(',')}`)).toEqual([
      'fetchingDescriptor>notifying',
      'notifying.deciding>settling',
      'settling>failed',
    ]);
    const declared = describeMachine(dlotaMachine).transitions;
    for (const t of last.transitions) {
      // A guarded event may have several candidates with the same targets: one of them carries these clauses.
      const candidates = declared.filter(
        (d) => d.source === t.source && d.event === t.event && d.targets.join() === t.targets.join(),
      );
      expect(
        candidates.map((d) => d.clauses.join(' ')),
        `${t.source} ${t.event}`,
      ).toContain(t.clauses.join(' '));
    }
    expect(last.transitions.some((t) => t.clauses.length > 0)).toBe(true);
  });

  it("shows the OIPF manager's downloads (plain data in its context) as oipf-download actors", () => {
    const out: InspectMessage[] = [];
    const inspect = inspectionTranslator((m) => out.push(m));
    const actorRef = { sessionId: 'm:0', logic: oipfManagerMachine };
    const snapshot = (value: unknown, type: string) =>
      inspect({
        type: '@xstate.snapshot',
        actorRef,
        rootId: 'm:0',
        event: { type },
        snapshot: { value: 'oipf', status: 'active', context: { downloads: [{ id: '7', value }] } },
      } as unknown as InspectionEvent);
    snapshot('queued', 'DAE.REGISTER');
    snapshot('queued', 'TICK');
    snapshot({ inProgress: 'transferring' }, 'TRANSFER.STARTED');
    const child = out.filter((m) => m.sessionId === 'm:0/download/7');
    expect(child.map((m) => m.type)).toEqual(['actor', 'snapshot', 'snapshot']);
    expect(child[0]).toEqual({
      type: 'actor',
      machineId: 'oipf-download',
      sessionId: 'm:0/download/7',
      parentId: 'm:0',
      label: 'download 7',
    });
    expect((child[2] as SnapshotMessage).stateIds).toEqual(['inProgress', 'inProgress.transferring']);
    expect(out.filter((m) => m.sessionId === 'm:0' && m.type === 'snapshot')).toHaveLength(3);
  });

  it('publishes over a WebSocket in order and closes without losing queued messages', async () => {
    const seen: RelayedMessage[] = [];
    const r = await relay({ onMessage: (m) => seen.push(m) });
    const inspector = createInspector(r.producerUrl);
    // Sent before the socket is open: queued, then flushed in order.
    const actor = createActor(dlotaMachine, { input: DLOTA_INPUT, inspect: inspector.inspect });
    actor.start();
    actor.send({ type: 'DESCRIPTOR.FAILED', reason: 'gone' });
    await inspector.close();
    await until(() => seen.length === 3);
    expect(seen.map((m) => m.type)).toEqual(['actor', 'snapshot', 'snapshot']);
    expect(seen.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect((seen[2] as SnapshotMessage).source).toBe('dlstate');
  });

  it('reports an unreachable relay once and never throws into the run', async () => {
    const r = await startInspectRelay();
    const url = r.producerUrl;
    await r.close();
    const errors: Error[] = [];
    const inspector = createInspector(url, { onError: (e) => errors.push(e) });
    const actor = createActor(dlotaMachine, { input: DLOTA_INPUT, inspect: inspector.inspect });
    actor.start();
    await until(() => errors.length > 0);
    actor.send({ type: 'DESCRIPTOR.FAILED', reason: 'gone' });
    expect(actor.getSnapshot().value).toBe('failed');
    await inspector.close();
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain(url);
  });
});

describe('relay', () => {
  it('listens on 127.0.0.1 and serves a self-contained page that names its WebSocket', async () => {
    const r = await relay({ machine: 'oipf-manager' });
    expect(r.pageUrl).toBe(`http://127.0.0.1:${r.port}/`);
    const res = await fetch(r.pageUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain(`connect-src ws://127.0.0.1:${r.port}`);
    const page = await res.text();
    expect(page).toContain(`connecting to ws://127.0.0.1:${r.port}/view`);
    expect(page).toContain(`ws://127.0.0.1:${r.port}/inspect`);
    expect(page).not.toMatch(/<script[^>]+src=|<link[^>]+stylesheet|@import/);
    expect(page).not.toMatch(/https?:\/\/(?!www\.w3\.org\/)/);
    for (const m of MACHINES) expect(page).toContain(`data-machine="${m.id}"`);
    expect(page).toContain('data-state="hbbtv"');
    expect((await fetch(new URL('/nope', r.pageUrl))).status).toBe(404);
  });

  it('refuses another Host (DNS rebinding) and browser sockets from another origin', async () => {
    const r = await relay();
    const wrongHost = await new Promise<number | undefined>((resolve, reject) => {
      get(r.pageUrl, { headers: { host: `evil.example:${r.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      }).on('error', reject);
    });
    expect(wrongHost).toBe(421);
    const foreign = new WebSocket(r.viewerUrl, { origin: 'https://evil.example' });
    const outcome = await new Promise<string>((resolve) => {
      foreign.on('open', () => resolve('open'));
      foreign.on('error', () => resolve('refused'));
    });
    foreign.terminate();
    expect(outcome).toBe('refused');
  });

  it('replays what it kept to a late viewer, then streams', async () => {
    const r = await relay();
    r.publish({ type: 'actor', machineId: 'dlotaMachineIdIsMapped', sessionId: 's1' });
    r.publish({
      type: 'snapshot',
      machineId: 'oipfDownload',
      sessionId: 's1',
      stateIds: ['queued'],
      event: { type: 'xstate.init' },
      transitions: [],
    });
    const viewer = new WebSocket(r.viewerUrl);
    cleanups.push(() => viewer.terminate());
    const got: RelayedMessage[] = [];
    viewer.on('message', (data) => got.push(JSON.parse(String(data)) as RelayedMessage));
    await until(() => got.length === 2);
    r.publish({
      type: 'snapshot',
      machineId: 'oipf-download',
      sessionId: 's1',
      stateIds: ['inProgress', 'inProgress.transferring'],
      event: { type: 'TRANSFER.STARTED' },
      transitions: [{ source: 'queued', event: 'X', targets: ['inProgress'], clauses: ['DAE-DL-1'] }],
    });
    await until(() => got.length === 3);
    expect(got.map((m) => m.seq)).toEqual([1, 2, 3]);
    // Machine ids are registry ids whatever the producer called them.
    expect(got[1]).toMatchObject({ machineId: 'oipf-download', stateIds: ['queued'] });
    expect(got[2]).toMatchObject({ transitions: [{ clauses: ['DAE-DL-1'] }] });
  });

  it('accepts a @statelyai/inspect WebSocket producer and converts its messages', async () => {
    const seen: RelayedMessage[] = [];
    const r = await relay({ onMessage: (m) => seen.push(m) });
    const stately = createWebSocketInspector({ url: r.producerUrl });
    cleanups.push(() => stately.stop());
    const actor = createActor(dlotaMachine, { input: DLOTA_INPUT, inspect: stately.inspect });
    actor.start();
    actor.send({ type: 'DESCRIPTOR.FAILED', reason: 'gone' });
    await until(() => seen.filter((m) => m.type === 'snapshot').length >= 2);
    expect(seen[0]).toMatchObject({ type: 'actor', machineId: 'dlota', sessionId: actor.sessionId });
    const snapshots = seen.filter((m): m is RelayedMessage & SnapshotMessage => m.type === 'snapshot');
    expect(snapshots.map((s) => s.stateIds)).toEqual([['fetchingDescriptor'], ['failed']]);
    expect(snapshots[1]).toMatchObject({ machineId: 'dlota', source: 'stately', transitions: [] });
    expect(snapshots[1]?.event.type).toBe('DESCRIPTOR.FAILED');
  });

  it('converts Stately messages field by field and ignores what it does not know', () => {
    const sessions = new Map<string, string>();
    expect(
      normaliseProducerMessage({ type: '@xstate.actor', name: 'oipfManager', sessionId: 'x:1' }, sessions),
    ).toEqual([{ type: 'actor', machineId: 'oipf-manager', sessionId: 'x:1' }]);
    expect(
      normaliseProducerMessage(
        {
          type: '@xstate.snapshot',
          sessionId: 'x:1',
          snapshot: { value: 'hbbtv', status: 'active' },
          event: { type: 'E' },
        },
        sessions,
      ),
    ).toEqual([
      {
        type: 'snapshot',
        machineId: 'oipf-manager',
        sessionId: 'x:1',
        stateIds: ['hbbtv'],
        status: 'active',
        event: { type: 'E' },
        transitions: [],
        source: 'stately',
      },
    ]);
    expect(
      normaliseProducerMessage({ type: '@xstate.event', sessionId: 'x:1', event: { type: 'E' } }, sessions),
    ).toEqual([]);
    expect(normaliseProducerMessage({ type: 'snapshot' }, sessions)).toEqual([]);
    expect(normaliseProducerMessage('nonsense', sessions)).toEqual([]);
  });
});

describe('dlstate inspect', () => {
  it('prints the page URL and the producer URL, serves the page, and closes on stop', async () => {
    const io = bufferIo();
    let served = 0;
    const program = new Command('dlstate').exitOverride();
    registerInspectCommand(program, io, async (r) => {
      served = (await fetch(r.pageUrl)).status;
    });
    await program.parseAsync(['inspect', '--machine', 'dlota', '--quiet'], { from: 'user' });
    const pageUrl = /page: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(io.text.out)?.[1];
    expect(pageUrl).toBeDefined();
    expect(io.text.out).toMatch(/producers connect to: +ws:\/\/127\.0\.0\.1:\d+\/inspect/);
    expect(served).toBe(200);
    await expect(fetch(pageUrl as string)).rejects.toThrow();
  });

  it('refuses an unknown machine', async () => {
    const io = bufferIo();
    const program = new Command('dlstate').exitOverride();
    registerInspectCommand(program, io, async () => {});
    await expect(program.parseAsync(['inspect', '--machine', 'nope'], { from: 'user' })).rejects.toThrow();
    expect(io.text.err).toContain('known: dlota, oipf-download, oipf-manager');
  });
});
