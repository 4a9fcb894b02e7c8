import { describe, expect, it } from 'vitest';
import { bufferIo } from './io.js';
import { runCli } from './program.js';

async function run(...argv: string[]) {
  const io = bufferIo();
  const code = await runCli(argv, io);
  return { code, err: io.text.err, out: io.text.out };
}

describe('bad input on the command line: a usage error (exit 2) naming what was wrong', () => {
  it('fetch, cancel and manager add take an absolute http(s) URL', async () => {
    const relative = await run('fetch', 'not-a-url', '--yes');
    expect(relative.code).toBe(2);
    expect(relative.err).toMatch(/"not-a-url" is not an absolute URL/);
    // manager add too: the CLI has no document a relative URL could be resolved against.
    const add = await run('manager', 'add', 'not-a-url');
    expect(add.code).toBe(2);
    expect(add.err).toMatch(/"not-a-url" is not an absolute URL/);
    const ftp = await run('cancel', 'ftp://host/x.dd');
    expect(ftp.code).toBe(2);
    expect(ftp.err).toMatch(/uses ftp:; only http: and https:/);
  });

  it('serve takes an existing directory and a valid port', async () => {
    const missing = await run('serve', '/no/such/dir');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/directory "\/no\/such\/dir" does not exist/);
    const port = await run('serve', '.', '--port', '70000');
    expect(port.code).toBe(2);
    expect(port.err).toMatch(/0…65535/);
    const reports = await run('serve', '.', '--reports', '/tmp');
    expect(reports.code).not.toBe(0);
    expect(reports.err).toMatch(/reports file \/tmp is not a regular file/);
  });

  it('whole-number options are checked before anything runs: --flush-bytes must be at least 1', async () => {
    const zero = await run('fetch', 'http://127.0.0.1:9/dd', '--yes', '--flush-bytes', '0');
    expect(zero.code).toBe(2);
    expect(zero.err).toMatch(/--flush-bytes <n>.*expected a whole number ≥ 1, got "0"/);
    const word = await run('fetch', 'http://127.0.0.1:9/dd', '--yes', '--report-attempts', 'three');
    expect(word.code).toBe(2);
    expect(word.err).toMatch(/expected a whole number ≥ 0, got "three"/);
    const active = await run('manager', 'list', '--max-active', '0');
    expect(active.code).toBe(2);
    expect(active.err).toMatch(/expected a whole number ≥ 1, got "0"/);
  });

  it.runIf(process.platform === 'linux')(
    'a directory that cannot be made ends the command with an error naming it (Node’s recursive mkdir would spin on /proc)',
    async () => {
      for (const argv of [
        ['manager', 'list', '--dir', '/proc/dlstate-nope'],
        ['fetch', 'http://127.0.0.1:9/dd', '--yes', '--quiet', '--out', '/proc/dlstate-nope/out'],
      ]) {
        const bad = await run(...argv);
        expect(bad.code, argv.join(' ')).not.toBe(0);
        expect(bad.err).toMatch(/ENOENT.*\/proc\/dlstate-nope/);
      }
    },
  );

  it('unknown commands and options are usage errors; --help is not', async () => {
    expect((await run('bogus')).code).toBe(2);
    expect((await run('clauses', '--nope')).code).toBe(2);
    expect((await run('--help')).code).toBe(0);
  });

  it('--inspect takes the ws:// URL `dlstate inspect` prints, on every command that has it', async () => {
    for (const argv of [
      ['fetch', 'http://127.0.0.1:9/dd', '--yes', '--inspect', 'localhost:1234'],
      ['demo', '--inspect', 'http://127.0.0.1:1234/inspect'],
      ['manager', 'run', '--inspect', 'nonsense'],
    ]) {
      const bad = await run(...argv);
      expect(bad.code, argv.join(' ')).toBe(2);
      expect(bad.err).toMatch(/--inspect <url>.*(is not a URL|the inspector listens on ws:\/\/)/);
    }
  });

  it('help speaks of the specifications, never of "seeds"', async () => {
    const commands = [
      [],
      ['clauses'],
      ['generate'],
      ['fetch'],
      ['cancel'],
      ['demo'],
      ['manager', 'run'],
      ['serve'],
    ];
    for (const command of commands) {
      const help = await run(...command, '--help');
      expect(help.code).toBe(0);
      expect(help.out, command.join(' ')).not.toMatch(/seed/i);
    }
    expect((await run('fetch', '--help')).out).toMatch(/dlota2 \(957, as OMA DLOTA 2\.0 numbers it\)/);
  });
});
