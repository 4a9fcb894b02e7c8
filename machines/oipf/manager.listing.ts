/**
 * The answer of one list query (getDownloads() or createFilteredList(…) for one caller) kept from one call to the
 * next, so a list call over 10 000 downloads costs what changed since the last call, not a walk and a copy of all
 * of them.
 *
 * A listing is the ids the query admitted, in registration order, and the index value it was computed from. The
 * index is immutable and shares structure with its successors, so the next call walks only the entries that differ
 * (`entriesChangedSince`): when none of them entered or left the query's answer — a pause, a resume, progress
 * under a query that admits every state — the previous ids are the answer again, the very same sequence; when a
 * few did — a registration, a pause under a query of paused downloads — the answer is the previous one with those
 * ids taken out and put in at their registration place: an {@link IdSequence} shares every chunk but the ones it
 * changes, so a change costs a chunk, not a copy of 10 000 ids (that copy and the walk that made it cost 0.2–0.4
 * ms per call at 10 000, and the scavenges their 80 KB arrays set off landed in the calls: p99 after a change
 * 1.8–5.2 ms; now 0.2–1.2 ms). Many changes at once (more than {@link INCREMENTAL_CHANGES}) compute the answer
 * afresh in one pass. Which downloads a query admits stays the protocol's decision (manager.logic.ts, scope.ts);
 * this only decides what must be asked again, so every path gives the same ids — `manager.listing.test.ts` checks
 * it after every kind of change.
 *
 * @module
 */
import type { DownloadIndex } from './manager.index.js';
import type { ListQuery } from './manager.logic.js';

/** Ids per chunk of an {@link IdSequence} built in one pass; a chunk splits when it grows to twice that. */
export const ID_CHUNK = 256;
/** Membership changes a listing takes in place; beyond it, the answer is computed afresh. */
export const INCREMENTAL_CHANGES = 32;

interface Chunk {
  readonly ids: readonly string[];
  /** The registration sequence number of each id (ascending). */
  readonly seqs: readonly number[];
}

/**
 * Download ids in registration order, immutable: a persistent chunked sequence. `at(i)` finds its chunk by
 * binary search over the chunk starts; {@link withChanges} copies only the chunks it changes (and the short
 * arrays of chunk references), so the previous sequence stays valid and shares the rest.
 */
export class IdSequence {
  readonly length: number;
  readonly #chunks: readonly Chunk[];
  /** Where each chunk starts (ascending). */
  readonly #starts: readonly number[];
  readonly #chunkSize: number;

  private constructor(chunks: readonly Chunk[], chunkSize: number) {
    this.#chunks = chunks;
    this.#chunkSize = chunkSize;
    const starts: number[] = [];
    let at = 0;
    for (const chunk of chunks) {
      starts.push(at);
      at += chunk.ids.length;
    }
    this.#starts = starts;
    this.length = at;
  }

  /** The sequence of `ids` with their registration numbers `seqs` (ascending), cut into chunks of `chunkSize`. */
  static of(ids: readonly string[], seqs: readonly number[], chunkSize = ID_CHUNK): IdSequence {
    const chunks: Chunk[] = [];
    for (let i = 0; i < ids.length; i += chunkSize)
      chunks.push(chunk(ids.slice(i, i + chunkSize), seqs.slice(i, i + chunkSize)));
    return new IdSequence(chunks, chunkSize);
  }

  /** The id at `index` (0-based), undefined outside. */
  at(index: number): string | undefined {
    if (!(index >= 0 && index < this.length)) return undefined;
    const starts = this.#starts;
    const c = lastAtMost(starts.length, (i) => starts[i]!, index);
    return this.#chunks[c]!.ids[index - this.#starts[c]!];
  }

  /** Every id, in order (a copy). */
  toArray(): string[] {
    return this.#chunks.flatMap((c) => c.ids);
  }

  /**
   * This sequence without the ids of the registration numbers `removed`, and with `added` put in at their
   * registration place; both lists ascending by number, every removed number present, no added one present.
   */
  withChanges(removed: readonly number[], added: readonly { id: string; seq: number }[]): IdSequence {
    const chunks = [...this.#chunks];
    // The chunk holding `seq`, or where it goes: the last whose first number is at most `seq` (else the first).
    const chunkFor = (seq: number): number =>
      Math.max(
        0,
        lastAtMost(chunks.length, (i) => chunks[i]!.seqs[0]!, seq),
      );
    for (const seq of removed) {
      const c = chunkFor(seq);
      const { ids, seqs } = chunks[c]!;
      const at = seqs.indexOf(seq);
      if (at < 0) throw new Error(`IdSequence: registration ${seq} is not in the sequence`);
      if (ids.length === 1) chunks.splice(c, 1);
      else chunks[c] = chunk(ids.toSpliced(at, 1), seqs.toSpliced(at, 1));
    }
    for (const { id, seq } of added) {
      if (chunks.length === 0) {
        chunks.push(chunk([id], [seq]));
        continue;
      }
      const c = chunkFor(seq);
      const { ids, seqs } = chunks[c]!;
      const at = lastAtMost(seqs.length, (i) => seqs[i]!, seq) + 1;
      if (seqs[at - 1] === seq) throw new Error(`IdSequence: registration ${seq} is already in the sequence`);
      const nextIds = ids.toSpliced(at, 0, id);
      const nextSeqs = seqs.toSpliced(at, 0, seq);
      if (nextIds.length < 2 * this.#chunkSize) chunks[c] = chunk(nextIds, nextSeqs);
      else {
        const half = nextIds.length >> 1;
        chunks.splice(
          c,
          1,
          chunk(nextIds.slice(0, half), nextSeqs.slice(0, half)),
          chunk(nextIds.slice(half), nextSeqs.slice(half)),
        );
      }
    }
    return new IdSequence(chunks, this.#chunkSize);
  }
}

function chunk(ids: string[], seqs: number[]): Chunk {
  return { ids: Object.freeze(ids), seqs: Object.freeze(seqs) };
}

/** The last index below `count` whose value (`valueAt`, ascending) is at most `x` (-1 when none is): a binary search. */
function lastAtMost(count: number, valueAt: (index: number) => number, x: number): number {
  let found = -1;
  for (let lo = 0, hi = count - 1; lo <= hi; ) {
    const mid = (lo + hi) >> 1;
    if (valueAt(mid) <= x) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** One query's answer over one index value. */
export interface DownloadListing {
  /** The index value the answer holds for. */
  readonly downloads: DownloadIndex;
  /** The ids the query admits, in registration order (immutable; shared with the previous listing while equal). */
  readonly ids: IdSequence;
}

/** Whether an entry is in the answer. */
function admitted(query: ListQuery, download: Parameters<ListQuery>[0] | undefined): boolean {
  return download !== undefined && query(download);
}

/**
 * The answer of `query` over `downloads`, reusing `previous` — the same query's answer over an earlier
 * index: unchanged when no entry changed its membership, edited in place for a few changes — O(changes ·
 * log n) then — and computed afresh, O(n), otherwise.
 */
export function listDownloads(
  downloads: DownloadIndex,
  query: ListQuery,
  previous?: DownloadListing,
  chunkSize = ID_CHUNK,
): DownloadListing {
  if (previous !== undefined) {
    if (previous.downloads === downloads) return previous;
    const removed: number[] = [];
    const added: { id: string; seq: number }[] = [];
    let many = false;
    downloads.entriesChangedSince(previous.downloads, (seq, before, after) => {
      const was = admitted(query, before);
      const is = admitted(query, after);
      if (was && !is) removed.push(seq);
      else if (is && !was) added.push({ id: after!.id, seq });
      many = removed.length + added.length > INCREMENTAL_CHANGES;
      return many;
    });
    if (!many) {
      if (removed.length === 0 && added.length === 0) return { downloads, ids: previous.ids };
      removed.sort((x, y) => x - y);
      added.sort((x, y) => x.seq - y.seq);
      return { downloads, ids: previous.ids.withChanges(removed, added) };
    }
  }
  const { ids, seqs } = downloads.admittedWhere(query);
  return { downloads, ids: IdSequence.of(ids, seqs, chunkSize) };
}
