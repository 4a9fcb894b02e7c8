/**
 * Where the reference server keeps what it has seen without growing: a bounded ring for recent entries in
 * memory, and the status reports as JSON lines in a file (one report a line, appended), paged by sequence
 * number. The file outlives the server: a restarted server continues the numbering and still lists the
 * reports of earlier runs.
 *
 * @module
 */
import { createReadStream } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { makeDir } from '../storage/make-dir.js';

/** A fixed-size ring: keeps the last `capacity` values pushed, oldest first. */
export class Ring<T> {
  readonly #items: (T | undefined)[];
  #next = 0;
  #total = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`a ring holds at least one entry, got ${capacity}`);
    this.#items = new Array<T | undefined>(capacity);
  }

  /** How many values were ever pushed (the ring holds the last `min(total, capacity)`). */
  get total(): number {
    return this.#total;
  }

  push(value: T): void {
    this.#items[this.#next] = value;
    this.#next = (this.#next + 1) % this.capacity;
    this.#total++;
  }

  /** The kept values, oldest first (a new array). */
  toArray(): T[] {
    const kept = Math.min(this.#total, this.capacity);
    const out: T[] = [];
    for (let i = 0; i < kept; i++)
      out.push(this.#items[(this.#next - kept + i + this.capacity) % this.capacity] as T);
    return out;
  }
}

/** One line of the reports file: any JSON object numbered by `seq`. */
export interface StoredReport {
  readonly seq: number;
}

/** One page of reports: those with `seq ≥ from`, at most `limit`, and the `from` of the next page if any. */
export interface ReportPage<T> {
  readonly reports: T[];
  readonly next?: number;
}

/** Every this many sequence numbers the byte offset of a line is remembered, so a page starts near its first line. */
const INDEX_EVERY = 256;

/** An append-only JSON-lines file of reports, numbered from 1 across restarts. */
export class ReportFile<T extends StoredReport> {
  #handle: FileHandle | undefined;
  #size = 0;
  #nextSeq = 1;
  /** Byte offset of the line of seq `k * INDEX_EVERY + 1`, by k. */
  readonly #index: number[] = [];
  #writing: Promise<unknown> = Promise.resolve();

  private constructor(readonly path: string) {}

  /**
   * Opens (or will create, on the first append) the file at `path`, reading what earlier runs left: the
   * numbering continues after the highest seq; a torn last line (a crash mid-write) is ended so the next
   * report starts a line of its own, and is skipped when reading.
   */
  static async open<T extends StoredReport>(path: string): Promise<ReportFile<T>> {
    const file = new ReportFile<T>(path);
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw new Error(`reports file ${path}: ${error.message}`);
    });
    if (info === undefined) return file;
    if (!info.isFile()) throw new Error(`reports file ${path} is not a regular file`);
    let offset = 0;
    let endsWithNewline = true;
    const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) {
      const seq = seqOf(line);
      if (seq !== undefined) {
        if (seq >= file.#nextSeq) file.#nextSeq = seq + 1;
        if ((seq - 1) % INDEX_EVERY === 0) file.#index[(seq - 1) / INDEX_EVERY] = offset;
      }
      offset += Buffer.byteLength(line) + 1;
    }
    file.#size = info.size;
    if (info.size > 0) {
      const handle = await open(path, 'r');
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, info.size - 1);
      await handle.close();
      endsWithNewline = last[0] === 0x0a;
    }
    if (!endsWithNewline) await file.#write('\n');
    return file;
  }

  /** The seq the next appended report gets. */
  get nextSeq(): number {
    return this.#nextSeq;
  }

  /** Appends one report (numbered here) as one line; resolves once the line is written. */
  append(report: Omit<T, 'seq'>): Promise<T> {
    const seq = this.#nextSeq++;
    const stored = { seq, ...report } as unknown as T;
    if ((seq - 1) % INDEX_EVERY === 0) this.#index[(seq - 1) / INDEX_EVERY] = -1;
    const done = this.#serial(async () => {
      if ((seq - 1) % INDEX_EVERY === 0) this.#index[(seq - 1) / INDEX_EVERY] = this.#size;
      await this.#write(`${JSON.stringify(stored)}\n`);
      return stored;
    });
    return done;
  }

  /** The reports with `seq ≥ from`, at most `limit` of them, read from the file. */
  async page(from: number, limit: number): Promise<ReportPage<T>> {
    await this.#writing.catch(() => {});
    if (this.#size === 0 || from >= this.#nextSeq) return { reports: [] };
    let k = Math.min(Math.floor((Math.max(from, 1) - 1) / INDEX_EVERY), this.#index.length - 1);
    while (k > 0 && !(this.#index[k]! >= 0)) k--;
    const start = k >= 0 ? (this.#index[k] ?? 0) : 0;
    const reports: T[] = [];
    let more = false;
    const input = createReadStream(this.path, { start: Math.max(start, 0), end: this.#size - 1 });
    const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    try {
      for await (const line of lines) {
        const seq = seqOf(line);
        if (seq === undefined || seq < from) continue;
        if (reports.length === limit) {
          more = true;
          break;
        }
        reports.push(JSON.parse(line) as T);
      }
    } finally {
      lines.close();
      input.destroy();
    }
    const last = reports.at(-1);
    return more && last !== undefined ? { reports, next: last.seq + 1 } : { reports };
  }

  async close(): Promise<void> {
    await this.#writing.catch(() => {});
    await this.#handle?.close();
    this.#handle = undefined;
  }

  #serial<R>(work: () => Promise<R>): Promise<R> {
    const run = this.#writing.catch(() => {}).then(work);
    this.#writing = run;
    return run;
  }

  async #write(text: string): Promise<void> {
    if (this.#handle === undefined) {
      await makeDir(dirname(this.path));
      this.#handle = await open(this.path, 'a');
    }
    const bytes = Buffer.from(text);
    await this.#handle.write(bytes);
    this.#size += bytes.length;
  }
}

/** The seq of a report line, or undefined for a line that is not one (e.g. torn by a crash). */
function seqOf(line: string): number | undefined {
  if (line.length === 0) return undefined;
  try {
    const value = JSON.parse(line) as { seq?: unknown };
    return typeof value.seq === 'number' && Number.isInteger(value.seq) && value.seq > 0
      ? value.seq
      : undefined;
  } catch {
    return undefined;
  }
}
