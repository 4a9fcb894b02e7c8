/**
 * The download manager's index of its downloads: an immutable value with structural sharing, so a
 * manager step costs O(log n) per download it touches instead of O(n) per event.
 *
 * - `get(id)`: the entry by id;
 * - `list()`: every live download in registration order (a sequence number per registration);
 * - `bestStartable()` / `lowestActive()`: the startable downloads and the active ones (in progress or
 *   stalled), each kept sorted by priority (highest first, then registration order), so the slot
 *   scheduler (DAE-PRIO-1) reads its next candidate in O(log n) and never sorts;
 * - per-organisation totals of what downloads hold and need, kept as entries change, so the storage
 *   checks (DAE-RESERVE-3/5) cost O(organisations), not O(downloads).
 *
 * Why a persistent structure and not a mutable index beside the machine: `transition()` must stay a
 * pure function of (snapshot, event) — the model-based tests walk the graph by re-entering old
 * snapshots, and an index mutated in place would change them behind their back. The B+ trees of
 * `sorted-btree` clone in O(1) and copy only the path they change (copy-on-write), so every snapshot
 * keeps its own consistent index while sharing almost all of it with its neighbours, and
 * `diffAgainst` walks two such trees skipping shared subtrees — which is how the adapter persists only
 * the rows an event changed.
 *
 * @module
 */
import sortedBtree from 'sorted-btree';
import diffModule from 'sorted-btree/extended/diffAgainst.js';
import { DAE_STATE } from './constants.js';
import { daeStateOf } from './download.logic.js';
import type { ManagedDownload } from './manager.types.js';

/** A CommonJS default export, as Node's ESM loader (module.exports) or a bundler (the default) gives it. */
function defaultOf<T>(module: { readonly default: T } | T): T {
  return typeof module === 'function' ? (module as T) : (module as { readonly default: T }).default;
}
const BTree = defaultOf<typeof sortedBtree.default>(sortedBtree);
const diffAgainst = defaultOf<typeof diffModule.default>(diffModule);
type BTree<K, V> = InstanceType<typeof sortedBtree.default<K, V>>;

/** A position in a priority order: highest priority first, then registration order. */
export interface SlotKey {
  readonly priority: number;
  readonly seq: number;
}

const bySlot = (a: SlotKey, b: SlotKey): number => b.priority - a.priority || a.seq - b.seq;

/** What one organisation's downloads hold now (`committed`) and need (`footprint`), in bytes. */
export interface OrgUsage {
  readonly count: number;
  readonly committed: number;
  readonly footprint: number;
}

/** The bytes a download needs: its total size when known (a failed one only what it keeps on disk), never less than what is on disk. */
export function footprintBytes(download: ManagedDownload): number {
  if (daeStateOf(download) === DAE_STATE.DOWNLOAD_FAILED) return download.context.bytesReceived;
  return Math.max(download.context.totalSize ?? 0, download.context.bytesReceived);
}

/** The bytes a download holds now: a queued one holds only what is on disk; any other its footprint. */
export function committedBytes(download: ManagedDownload): number {
  return download.value === 'queued' ? download.context.bytesReceived : footprintBytes(download);
}

/** Whether a download is in progress (2, transferring or verifying) or stalled (32). */
export function isInProgressOrStalled(d: ManagedDownload): boolean {
  const state = daeStateOf(d);
  return state === DAE_STATE.DOWNLOAD_IN_PROGRESS || state === DAE_STATE.DOWNLOAD_STALLED;
}

/** Whether a download is verifying its kept bytes (in progress, 2, with no transfer). */
export function isVerifying(d: ManagedDownload): boolean {
  return typeof d.value === 'object' && 'inProgress' in d.value && d.value.inProgress === 'verifying';
}

/**
 * Whether a download holds a transfer slot (DAE-PRIO-1 note): in progress and transferring, or stalled (it
 * retries). One verifying its kept bytes is in progress too but transfers nothing: it holds no slot.
 */
export function isActive(d: ManagedDownload): boolean {
  return isInProgressOrStalled(d) && !isVerifying(d);
}

/** Whether the scheduler may start a download: queued and ready, or paused by the scheduler (pre-empted). */
export function isStartable(d: ManagedDownload): boolean {
  if (d.value === 'queued') return !d.descriptorPending && d.startPending !== true;
  return typeof d.value === 'object' && 'paused' in d.value && d.value.paused === 'byScheduler';
}

function frozen<T extends { freeze(): void }>(tree: T): T {
  tree.freeze();
  return tree;
}

function addUsage(
  usage: Readonly<Record<string, OrgUsage>>,
  d: ManagedDownload,
  sign: 1 | -1,
): Readonly<Record<string, OrgUsage>> {
  const old = usage[d.orgId] ?? { count: 0, committed: 0, footprint: 0 };
  const next: OrgUsage = {
    count: old.count + sign,
    committed: old.committed + sign * committedBytes(d),
    footprint: old.footprint + sign * footprintBytes(d),
  };
  if (next.count > 0) return { ...usage, [d.orgId]: next };
  const { [d.orgId]: _gone, ...rest } = usage;
  return rest;
}

/** The manager's downloads, indexed (an immutable value: every change returns a new index). */
export class DownloadIndex {
  /** id → registration sequence number. */
  readonly #seqOf: BTree<string, number>;
  /** Registration sequence number → entry: the downloads in registration order. */
  readonly #bySeq: BTree<number, ManagedDownload>;
  readonly #startable: BTree<SlotKey, string>;
  readonly #active: BTree<SlotKey, string>;
  readonly #usage: Readonly<Record<string, OrgUsage>>;
  readonly #nextSeq: number;

  private constructor(
    seqOf: BTree<string, number>,
    bySeq: BTree<number, ManagedDownload>,
    startable: BTree<SlotKey, string>,
    active: BTree<SlotKey, string>,
    usage: Readonly<Record<string, OrgUsage>>,
    nextSeq: number,
  ) {
    this.#seqOf = frozen(seqOf);
    this.#bySeq = frozen(bySeq);
    this.#startable = frozen(startable);
    this.#active = frozen(active);
    this.#usage = usage;
    this.#nextSeq = nextSeq;
  }

  /** An empty index. */
  static empty(): DownloadIndex {
    return new DownloadIndex(
      new BTree<string, number>(),
      new BTree<number, ManagedDownload>(),
      new BTree<SlotKey, string>(undefined, bySlot),
      new BTree<SlotKey, string>(undefined, bySlot),
      {},
      0,
    );
  }

  /**
   * The index of `downloads`, registered in the order given (a later entry with a known id replaces the earlier one,
   * as `with` does). Built in place, before any snapshot shares it: no path is copied per entry, so a restart with
   * 10 000 downloads allocates the trees once instead of 10 000 copies of their paths.
   */
  static of(downloads: Iterable<ManagedDownload>): DownloadIndex {
    const seqOf = new BTree<string, number>();
    const bySeq = new BTree<number, ManagedDownload>();
    const startable = new BTree<SlotKey, string>(undefined, bySlot);
    const active = new BTree<SlotKey, string>(undefined, bySlot);
    let usage: Readonly<Record<string, OrgUsage>> = {};
    let nextSeq = 0;
    for (const download of downloads) {
      DownloadIndex.#check(download);
      const known = seqOf.get(download.id);
      const seq = known ?? nextSeq++;
      const old = known === undefined ? undefined : bySeq.get(known);
      if (old !== undefined) {
        usage = addUsage(usage, old, -1);
        startable.delete({ priority: old.context.priority, seq });
        active.delete({ priority: old.context.priority, seq });
      }
      seqOf.set(download.id, seq);
      bySeq.set(seq, download);
      usage = addUsage(usage, download, 1);
      const key = { priority: download.context.priority, seq };
      if (isStartable(download)) startable.set(key, download.id);
      if (isActive(download)) active.set(key, download.id);
    }
    return new DownloadIndex(seqOf, bySeq, startable, active, usage, nextSeq);
  }

  /** Only a live download is indexed: one in no DAE state (removed) is refused, so every entry has a state. */
  static #check(download: ManagedDownload): void {
    if (daeStateOf(download) === undefined)
      throw new Error(
        `DownloadIndex: download ${download.id} is in no DAE state (${JSON.stringify(download.value)})`,
      );
  }

  /** How many downloads are live. */
  get size(): number {
    return this.#bySeq.size;
  }

  /** The live download with this id. */
  get(id: string): ManagedDownload | undefined {
    const seq = this.#seqOf.get(id);
    return seq === undefined ? undefined : this.#bySeq.get(seq);
  }

  /** Every live download in registration order. */
  values(): IterableIterator<ManagedDownload> {
    return this.#bySeq.values();
  }

  /**
   * The ids and registration sequence numbers of the downloads `test` admits, in registration order (one walk of the
   * leaves, no iterator objects).
   */
  admittedWhere(test: (download: ManagedDownload) => boolean): { ids: string[]; seqs: number[] } {
    const ids: string[] = [];
    const seqs: number[] = [];
    this.#bySeq.forEachPair((seq, download) => {
      if (test(download)) {
        ids.push(download.id);
        seqs.push(seq);
      }
    });
    return { ids, seqs };
  }

  [Symbol.iterator](): IterableIterator<ManagedDownload> {
    return this.values();
  }

  /** Every live download in registration order, as an array (O(n): for views, tests and persistence). */
  list(): ManagedDownload[] {
    return this.#bySeq.valuesArray();
  }

  /** The highest-priority startable download (the earliest registered among equals). */
  bestStartable(): ManagedDownload | undefined {
    const key = this.#startable.minKey();
    return key === undefined ? undefined : this.#bySeq.get(key.seq);
  }

  /** The active download pre-emption hits first: the lowest priority, the latest registered among equals. */
  lowestActive(): ManagedDownload | undefined {
    const key = this.#active.maxKey();
    return key === undefined ? undefined : this.#bySeq.get(key.seq);
  }

  /** How many downloads hold a transfer slot (in progress or stalled). */
  get activeCount(): number {
    return this.#active.size;
  }

  /** Per-organisation totals of the live downloads (organisations with none are absent). */
  get usage(): Readonly<Record<string, OrgUsage>> {
    return this.#usage;
  }

  /**
   * The index with `download` added (registered last) or, when its id is known, replaced in place. Only a
   * live download is indexed: one in no DAE state (removed) is refused, so every entry has a state.
   */
  with(download: ManagedDownload): DownloadIndex {
    DownloadIndex.#check(download);
    const known = this.#seqOf.get(download.id);
    const seq = known ?? this.#nextSeq;
    const old = known === undefined ? undefined : this.#bySeq.get(known);
    const bySeq = this.#bySeq.with(seq, download, true);
    let seqOf = this.#seqOf;
    let startable = this.#startable;
    let active = this.#active;
    let usage = this.#usage;
    if (old === undefined) seqOf = seqOf.with(download.id, seq, true);
    else {
      usage = addUsage(usage, old, -1);
      const oldKey = { priority: old.context.priority, seq };
      if (isStartable(old)) startable = startable.without(oldKey);
      if (isActive(old)) active = active.without(oldKey);
    }
    usage = addUsage(usage, download, 1);
    const key = { priority: download.context.priority, seq };
    if (isStartable(download)) startable = startable.with(key, download.id, true);
    if (isActive(download)) active = active.with(key, download.id, true);
    const nextSeq = old === undefined ? seq + 1 : this.#nextSeq;
    return new DownloadIndex(seqOf, bySeq, startable, active, usage, nextSeq);
  }

  /** The index without that download (unchanged when it is unknown). */
  without(id: string): DownloadIndex {
    const seq = this.#seqOf.get(id);
    const old = seq === undefined ? undefined : this.#bySeq.get(seq);
    if (seq === undefined || old === undefined) return this;
    const key = { priority: old.context.priority, seq };
    return new DownloadIndex(
      this.#seqOf.without(id),
      this.#bySeq.without(seq),
      isStartable(old) ? this.#startable.without(key) : this.#startable,
      isActive(old) ? this.#active.without(key) : this.#active,
      addUsage(this.#usage, old, -1),
      this.#nextSeq,
    );
  }

  /**
   * Calls `onChange(id, next)` for every download that differs between `earlier` and this index
   * (`next` undefined: removed), skipping the subtrees both share — O(changes · log n) for indexes
   * derived from one another. `onChange` returning true stops the walk.
   */
  changesSince(
    earlier: DownloadIndex,
    onChange: (id: string, next: ManagedDownload | undefined) => unknown,
  ): void {
    this.entriesChangedSince(earlier, (_seq, before, after) => onChange((after ?? before)!.id, after));
  }

  /**
   * Like {@link changesSince}, by registration sequence number: `onChange(seq, before, after)` for every entry that
   * differs (`before` undefined: added; `after` undefined: removed). A download removed and registered again under
   * its id has a new number: two calls. `onChange` returning true stops the walk.
   */
  entriesChangedSince(
    earlier: DownloadIndex,
    onChange: (
      seq: number,
      before: ManagedDownload | undefined,
      after: ManagedDownload | undefined,
    ) => unknown,
  ): void {
    const stop = { break: true };
    diffAgainst(
      earlier.#bySeq,
      this.#bySeq,
      (seq, gone) => (onChange(seq, gone, undefined) === true ? stop : undefined),
      (seq, added) => (onChange(seq, undefined, added) === true ? stop : undefined),
      (seq, before, after) => (before !== after && onChange(seq, before, after) === true ? stop : undefined),
    );
  }

  /** JSON (inspection, logs): the downloads in registration order. */
  toJSON(): ManagedDownload[] {
    return this.list();
  }
}
