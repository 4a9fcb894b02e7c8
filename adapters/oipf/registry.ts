/**
 * The persisted registry of the running download manager: an SQLite database, `<dir>/registry.sqlite`,
 * one row per download (the manager machine's entry: state value + context, as JSON) and one per
 * download's adapter metadata (CADD metadata, where its file is), plus the reservations and the next id.
 *
 * Why SQLite (better-sqlite3): a state change rewrites one row, so the bytes written per change do not
 * grow with the number of downloads (one rewritten JSON document did: 10.7 MB per pause at 10 000); a
 * transaction is atomic and, in WAL mode, durable at commit against a process crash (and against a power cut
 * once the WAL is fsync'd — see `sync`), so a `kill -9` or a power cut
 * leaves the registry as of a commit, never torn, with no journal format, compaction
 * or recovery code of our own to get wrong; and the database file is also the directory lock —
 * `locking_mode=EXCLUSIVE` holds an OS-level (fcntl) lock for as long as the connection is open, which
 * the kernel drops when the process dies, so neither a crash nor a reused PID can leave the directory
 * locked. An append-only journal with compaction was the alternative without a native dependency.
 *
 * The bytes themselves live in partial files (`KeptFile`) whose data is fdatasync'd before the registry names
 * the offset, so a row's `bytesReceived` never exceeds what is on disk: the registry is their journal.
 *
 * A registry of the previous version (`registry.json`, one JSON document) is imported once, in one
 * transaction, and then renamed `registry.json.imported`.
 *
 * @module
 */
import { closeSync, promises as fs, fstatSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { daeStateOf, type ManagedDownload } from '../../machines/oipf/index.js';
import { fdatasyncFd } from '../storage/flush.js';
import { groupCommit, readJson, removeStaleTemps } from '../storage/index.js';
import type { DownloadMeta } from './meta.js';

/** The registry database under the manager directory. */
export const REGISTRY_DB = 'registry.sqlite';
/** The previous version's registry document, imported once. */
export const LEGACY_REGISTRY_FILE = 'registry.json';
const SCHEMA_VERSION = '2';

/** A stored entry the manager cannot run (unknown state, damaged JSON): kept in the registry, reported. */
export interface UnreadableEntry {
  readonly id: string;
  readonly problem: string;
}

/** What the registry holds when the manager starts. */
export interface RegistryState {
  /** The next numeric download id (ids are never reused, so a removed Download stays invalid). */
  readonly nextId: number;
  /** The downloads, in registration order. */
  readonly downloads: readonly ManagedDownload[];
  readonly reservations: Readonly<Record<string, number>>;
  readonly meta: ReadonlyMap<string, DownloadMeta>;
  /** Entries left in the registry untouched because the manager cannot run them. */
  readonly unreadable: readonly UnreadableEntry[];
}

/** One batch of changes, written in one transaction. */
export interface RegistryChanges {
  /** Download id → its new entry, or undefined: removed (its metadata goes too). */
  readonly downloads: ReadonlyMap<string, ManagedDownload | undefined>;
  /** Download id → its new metadata, or undefined: none. */
  readonly meta: ReadonlyMap<string, DownloadMeta | undefined>;
  readonly reservations?: Readonly<Record<string, number>>;
  readonly nextId?: number;
}

/** The previous version's document. */
interface LegacyDoc {
  readonly version: 1;
  readonly nextId: number;
  readonly downloads: readonly ManagedDownload[];
  readonly reservations: Readonly<Record<string, number>>;
  readonly meta: Readonly<Record<string, DownloadMeta>>;
}

function isLegacyDoc(value: unknown): value is LegacyDoc {
  const v = value as Partial<LegacyDoc> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.version === 1 &&
    Number.isSafeInteger(v.nextId) &&
    Array.isArray(v.downloads) &&
    typeof v.reservations === 'object' &&
    v.reservations !== null &&
    typeof v.meta === 'object' &&
    v.meta !== null
  );
}

/** Why a stored entry cannot be run by this manager, if it cannot. */
function problemOf(entry: unknown): string | undefined {
  const d = entry as Partial<ManagedDownload> | null;
  if (typeof d !== 'object' || d === null || typeof d.id !== 'string') return 'not a download entry';
  if (typeof d.context !== 'object' || d.context === null) return 'no download context';
  if (daeStateOf(d as ManagedDownload) === undefined)
    return `unknown state ${JSON.stringify(d.value)} (written by another version?)`;
  return undefined;
}

/** The problem with a stored file path: it must lie inside the manager directory. */
function outsidePath(dir: string, file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  const relative = path.relative(dir, path.resolve(dir, file));
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? file : undefined;
}

/** The registry database of one manager directory, held exclusively while open. */
export class Registry {
  readonly file: string;
  readonly #db: Database.Database;
  readonly #dir: string;
  #statements: ReturnType<Registry['prepare']> | undefined;
  /** The transaction of {@link write}, made once (better-sqlite3 builds a wrapper per `transaction()` call). */
  #writeTx: ((changes: RegistryChanges) => void) | undefined;
  /** The WAL, open for its fdatasyncs while the database is (SQLite reuses the file; a new one is reopened). */
  #wal: { fd: number; ino: number } | undefined;
  /** The fdatasync running on it (one at a time: group commit), which a close lets finish before closing it. */
  #syncing: Promise<void> | undefined;
  #walSyncs = 0;

  private constructor(dir: string, db: Database.Database) {
    this.#dir = dir;
    this.file = path.join(dir, REGISTRY_DB);
    this.#db = db;
  }

  private prepare() {
    return {
      upsert: this.#db.prepare(
        'INSERT INTO downloads (id, entry) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET entry = excluded.entry',
      ),
      drop: this.#db.prepare('DELETE FROM downloads WHERE id = ?'),
      setMeta: this.#db.prepare(
        'INSERT INTO meta (id, value) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET value = excluded.value',
      ),
      dropMeta: this.#db.prepare('DELETE FROM meta WHERE id = ?'),
    };
  }

  /**
   * Opens (or creates) the registry of `dir` and takes its lock; throws naming the directory when another
   * manager holds it. A previous version's `registry.json` is imported once.
   */
  static async open(dir: string): Promise<Registry> {
    const file = path.join(dir, REGISTRY_DB);
    let db: Database.Database;
    try {
      db = new Database(file, { timeout: 0 });
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = WAL');
      // A commit writes its WAL frames (durable against a process crash); `sync` fsyncs them off the event loop.
      db.pragma('synchronous = NORMAL');
      // Take the lock now (the first write transaction), not at the first change.
      db.exec('BEGIN EXCLUSIVE; COMMIT');
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED')
        throw new Error(`${dir} is in use by another dlstate download manager (${REGISTRY_DB} is locked)`);
      throw new Error(`${file}: cannot open the download-manager registry: ${(error as Error).message}`);
    }
    const registry = new Registry(dir, db);
    try {
      registry.#createSchema();
      await registry.#importLegacy();
      // The previous version's pid lock file: the database lock replaces it.
      await fs.rm(path.join(dir, 'manager.lock'), { force: true });
    } catch (error) {
      db.close();
      throw error;
    }
    return registry;
  }

  #createSchema(): void {
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS downloads (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, entry TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS meta (id TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    `);
    const version = this.#setting('version');
    if (version === undefined) this.#setSetting('version', SCHEMA_VERSION);
    else if (version !== SCHEMA_VERSION)
      throw new Error(`${this.file}: registry version ${version}, this dlstate reads ${SCHEMA_VERSION}`);
  }

  #setting(key: string): string | undefined {
    const row = this.#db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as
      | { value: string }
      | undefined;
    return row?.value;
  }

  #setSetting(key: string, value: string): void {
    this.#db
      .prepare(
        'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }

  async #importLegacy(): Promise<void> {
    const legacy = path.join(this.#dir, LEGACY_REGISTRY_FILE);
    await removeStaleTemps(legacy);
    const raw = await readJson(legacy);
    if (raw === undefined) return;
    if (this.#setting('imported') === undefined) {
      if (!isLegacyDoc(raw))
        throw new Error(`${legacy}: not a dlstate download-manager registry (version 1)`);
      const doc = raw;
      this.#db.transaction(() => {
        this.write({
          downloads: new Map(doc.downloads.map((d) => [String(d.id), d])),
          meta: new Map(Object.entries(doc.meta)),
          reservations: doc.reservations,
          nextId: doc.nextId,
        });
        this.#setSetting('imported', LEGACY_REGISTRY_FILE);
      })();
    }
    // Imported (now or by a run that stopped before the rename): keep the document aside, never re-import it.
    await fs.rename(legacy, `${legacy}.imported`);
  }

  /** Reads everything; entries it cannot run are reported, and files outside the directory refused. */
  load(): RegistryState {
    const downloads: ManagedDownload[] = [];
    const unreadable: UnreadableEntry[] = [];
    const rows = this.#db.prepare('SELECT id, entry FROM downloads ORDER BY seq').all() as {
      id: string;
      entry: string;
    }[];
    for (const row of rows) {
      let entry: unknown;
      try {
        entry = JSON.parse(row.entry);
      } catch {
        unreadable.push({ id: row.id, problem: 'damaged entry (not JSON)' });
        continue;
      }
      const problem = problemOf(entry);
      if (problem === undefined) downloads.push(entry as ManagedDownload);
      else unreadable.push({ id: row.id, problem });
    }
    const meta = new Map<string, DownloadMeta>();
    for (const row of this.#db.prepare('SELECT id, value FROM meta').all() as {
      id: string;
      value: string;
    }[]) {
      const value = JSON.parse(row.value) as DownloadMeta;
      const outside = outsidePath(this.#dir, value.filePath);
      if (outside !== undefined)
        throw new Error(
          `${this.file}: download ${row.id} names the file ${outside}, outside ${this.#dir}; refused (the manager only touches files under its directory)`,
        );
      meta.set(row.id, value);
    }
    const reservations = JSON.parse(this.#setting('reservations') ?? '{}') as Record<string, number>;
    const nextId = Number(this.#setting('nextId') ?? '1');
    return { nextId, downloads, reservations, meta, unreadable };
  }

  /**
   * Writes one batch of changes in one transaction. The commit is durable against a process crash when this returns
   * (its WAL frames are in the kernel) and against a power cut once a {@link sync} started after it resolves; a
   * power cut before then rolls the registry back to an older, whole state.
   */
  write(changes: RegistryChanges): void {
    this.#writeTx ??= this.#writeTransaction();
    this.#writeTx(changes);
  }

  #writeTransaction(): (changes: RegistryChanges) => void {
    this.#statements ??= this.prepare();
    const { upsert, drop, setMeta, dropMeta } = this.#statements;
    return this.#db.transaction((changes: RegistryChanges) => {
      for (const [id, entry] of changes.downloads) {
        if (entry === undefined) {
          drop.run(id);
          dropMeta.run(id);
        } else upsert.run(id, JSON.stringify(entry));
      }
      for (const [id, value] of changes.meta) {
        if (value === undefined) dropMeta.run(id);
        else setMeta.run(id, JSON.stringify(value));
      }
      if (changes.reservations !== undefined)
        this.#setSetting('reservations', JSON.stringify(changes.reservations));
      if (changes.nextId !== undefined) this.#setSetting('nextId', String(changes.nextId));
    });
  }

  /**
   * Makes every commit so far durable against a power cut: an fdatasync of the WAL on libuv's thread pool — what
   * `synchronous=FULL` does at each commit, but off the event loop, and shared (group commit): calls while one runs
   * wait for the next, which covers every commit before it started. (SQLite's own checkpoints fsync the WAL and
   * the database before copying; at `synchronous=NORMAL` nothing else waits for the disk.)
   */
  sync(): Promise<void> {
    return this.#sharedSync(undefined);
  }

  /** How many fdatasyncs of the WAL {@link sync} has run (its callers share them). */
  get walSyncs(): number {
    return this.#walSyncs;
  }

  /** The WAL's fdatasync, shared by the callers that come while one runs (group commit). */
  readonly #sharedSync = groupCommit(() => this.#fsyncWal());

  async #fsyncWal(): Promise<void> {
    const file = `${this.file}-wal`;
    // The descriptor stays open between syncs (an open and a close per sync cost more than the sync's dispatch); it
    // is checked against the path's inode first, so a WAL SQLite replaced is never the one synced.
    const ino = statSync(file, { throwIfNoEntry: false })?.ino;
    if (this.#wal !== undefined && this.#wal.ino !== ino) this.#closeWal();
    // No WAL: every commit is in the database file, which SQLite fsync'd when it checkpointed.
    if (ino === undefined) return;
    if (this.#wal === undefined) {
      const fd = openSync(file, 'r');
      this.#wal = { fd, ino: fstatSync(fd).ino };
    }
    this.#walSyncs += 1;
    const syncing = fdatasyncFd(this.#wal.fd);
    this.#syncing = syncing;
    try {
      await syncing;
    } finally {
      if (this.#syncing === syncing) this.#syncing = undefined;
    }
  }

  /** Closes the WAL's descriptor, once no fdatasync runs on it (its number must not be reused under one). */
  #closeWal(): void {
    const wal = this.#wal;
    if (wal === undefined) return;
    this.#wal = undefined;
    if (this.#syncing === undefined) closeSync(wal.fd);
    else void this.#syncing.catch(() => {}).finally(() => closeSync(wal.fd));
  }

  /** Deletes stored entries by id (an unreadable entry the user removes); returns how many were there. */
  drop(ids: readonly string[]): number {
    this.#statements ??= this.prepare();
    const { drop, dropMeta } = this.#statements;
    let count = 0;
    this.#db.transaction(() => {
      for (const id of ids) {
        count += drop.run(id).changes;
        dropMeta.run(id);
      }
    })();
    return count;
  }

  /** Closes the database (checkpointing the WAL) and releases the lock. */
  close(): void {
    this.#closeWal();
    if (this.#db.open) this.#db.close();
  }
}
