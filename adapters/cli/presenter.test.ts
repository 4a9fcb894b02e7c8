import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { confirmationQuestion, etaText, presenter, terminalConfirm } from './fetch.command.js';
import type { CliIo } from './io.js';

/**
 * A terminal as one screen: the bar's stream and the CLI's streams write into the same log, so what a user
 * sees in order (bar redraws, then lines) can be asserted.
 */
function terminal() {
  const screen: string[] = [];
  const bar = Object.assign(
    new Writable({
      write(chunk, _enc, done) {
        screen.push(String(chunk));
        done();
      },
    }),
    { isTTY: true, columns: 100 },
  );
  const io: CliIo = { isTTY: true, out: (t) => screen.push(t), err: (t) => screen.push(t) };
  return { screen, bar, io, text: () => screen.join('') };
}

/** The screen's text with cursor and erase escapes removed and carriage returns as line restarts. */
function visible(text: string): string[] {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escape sequences are what is stripped
  const plain = text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
  return plain.split('\n').map((line) => line.split('\r').at(-1) ?? '');
}

describe('fetch on a terminal', () => {
  it('ends the bar line before a message (Ctrl-C), then draws no bar again', () => {
    const t = terminal();
    const view = presenter(t.io, {}, t.bar);
    view.observe({ event: 'progress', received: 300, total: 1000 });
    view.interrupt();
    t.io.err('dlstate: pausing (Ctrl-C again to stop at once)…\n');
    view.observe({ event: 'progress', received: 400, total: 1000 });
    view.observe({ event: 'paused', cause: 'user', offset: 400, length: 1000 });
    const lines = visible(t.text());
    expect(lines).toContain('dlstate: pausing (Ctrl-C again to stop at once)…');
    expect(lines.some((l) => l.startsWith('paused (user)'))).toBe(true);
    // The bar never shares a line with a message and is not drawn after the interrupt.
    expect(lines.filter((l) => l.includes('%') && /dlstate|paused/.test(l))).toEqual([]);
    expect(t.text().slice(t.text().indexOf('pausing'))).not.toMatch(/40%/);
  });

  it('draws 100 % once and never shows an ETA of NF/INF', () => {
    const t = terminal();
    const view = presenter(t.io, {}, t.bar);
    view.observe({ event: 'progress', received: 0, total: 1000 });
    view.observe({ event: 'progress', received: 1000, total: 1000 });
    view.observe({ event: 'progress', received: 1000, total: 1000 });
    view.observe({
      event: 'done',
      code: 900,
      text: 'Success',
      installed: true,
      files: ['x.bin'],
      nextURL: null,
    });
    const lines = visible(t.text()).filter((l) => l.includes('100%'));
    expect(lines).toHaveLength(1);
    expect(t.text()).not.toMatch(/ETA (NF|INF|NULL|NaN)|NFs/);
    expect(visible(t.text())).toContain('installed x.bin');
  });

  it('words the ETA from the measured rate', () => {
    expect(etaText(1000, 0)).toBe('…');
    expect(etaText(1000, 100)).toBe('10s');
    expect(etaText(185_000, 1000)).toBe('3m05s');
    expect(etaText(3_720_000, 1000)).toBe('1h02m');
  });
});

describe('the confirmation prompt', () => {
  it("asks in the descriptor's own words", () => {
    expect(
      confirmationQuestion({
        name: 'Holiday clip',
        vendor: 'Example TV',
        description: 'Episode 3',
        size: 2048,
        types: ['video/mp4'],
        objectCount: 1,
      }),
    ).toBe('Download "Holiday clip" from Example TV (1 object, 2.0 KiB, video/mp4) — Episode 3? [y/N] ');
    const unnamed = confirmationQuestion({ size: 10, types: ['image/png'], objectCount: 2 });
    expect(unnamed).toBe('Download 2 objects (10 B, image/png)? [y/N] ');
    expect(unnamed).not.toMatch(/a download/);
  });

  it('ends with 130 on Ctrl-C, saying nothing was downloaded or reported', async () => {
    const input = Object.assign(new PassThrough(), { isTTY: true });
    const written: string[] = [];
    const output = Object.assign(
      new Writable({
        write(chunk, _enc, done) {
          written.push(String(chunk));
          done();
        },
      }),
      { isTTY: true, columns: 80 },
    );
    let exitCode: number | undefined;
    void terminalConfirm(
      { name: 'x', size: 1, types: [], objectCount: 1 },
      { input, output, exit: (code) => (exitCode = code) },
    ).catch(() => {});
    input.write('\x03');
    await new Promise((r) => setTimeout(r, 50));
    expect(exitCode).toBe(130);
    expect(written.join('')).toContain('cancelled at the prompt; nothing was downloaded or reported');
  });
});
