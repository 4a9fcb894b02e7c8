import { describe, expect, it } from 'vitest';
import { CLAUSES } from '../../machines/clauses.js';
import { bufferIo } from './io.js';
import { runCli } from './program.js';

function capture(isTTY = false) {
  const io = bufferIo(isTTY);
  return { io, buf: io.text };
}

describe('dlstate clauses', () => {
  it('prints every clause as JSON with its strength and sides', async () => {
    const { io, buf } = capture();
    const code = await runCli(['clauses', '--json'], io);
    expect(code).toBe(0);
    const list = JSON.parse(buf.out) as { id: string; strength: string; sides: string[] }[];
    expect(list.map((c) => c.id)).toEqual(CLAUSES.map((c) => c.id));
    expect(list.find((c) => c.id === 'DL-PR-9')).toMatchObject({ strength: 'MUST', sides: ['agent'] });
    expect(list.find((c) => c.id === 'DL-EX-B6')?.sides).toEqual(['agent', 'server']);
    expect(list.find((c) => c.id === 'DL-PR-9')).toMatchObject({
      source: 'OMA DLOTA 2.0 §5.2.4.2 Pause and Resume Object Retrieval (pause/resume contribution)',
    });
    expect(list.find((c) => c.id === 'HBB-RESERVE-1')).toMatchObject({
      source: expect.stringMatching(/^HbbTV A\.2\.18 /),
    });
  });

  it('filters by side', async () => {
    const { io, buf } = capture();
    await runCli(['clauses', '--json', '--side', 'server'], io);
    const ids = (JSON.parse(buf.out) as { id: string }[]).map((c) => c.id);
    expect(ids).toEqual(['DL-PR-1', 'DL-PR-2', 'DL-PR-3', 'DL-EX-B6', 'DL-SRV-1', 'DL-SRV-2']);
  });

  it('prints an aligned table with a count line', async () => {
    const { io, buf } = capture(true);
    await runCli(['clauses', '--side', 'device'], io);
    const lines = buf.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^id\s+strength\s+side\s+source\s+statement$/);
    expect(buf.out).toContain('OMA DLOTA 2.0 §5.2.4');
    expect(buf.out).not.toMatch(/\d{3}_[0-9a-f]{16}\.txt/);
    expect(lines.at(-1)).toMatch(/^12 clauses binding the device/);
  });

  it('rejects an unknown side with a message naming the allowed ones', async () => {
    const { io, buf } = capture();
    const code = await runCli(['clauses', '--side', 'browser'], io);
    expect(code).not.toBe(0);
    expect(buf.err).toMatch(/browser.*agent, server, device, manager/s);
  });
});
