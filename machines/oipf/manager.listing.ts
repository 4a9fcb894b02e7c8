/**
 * The answer of one list query (getDownloads() or createFilteredList(…) for one caller) kept from one
 * call to the next, so a list call over 10 000 downloads costs what changed since the last call, not a
 * walk and a copy of all of them.
 *
 * A listing is the ids the query admitted, in registration order, and the index value it was computed
 * from. The index is immutable and shares structure with its successors, so the next call walks only
 * the entries that differ (`changesSince`): when none of them entered or left the query's answer —
 * a pause, a resume, progress under a query that admits every state — the previous ids are the answer
 * again, the very same frozen array; otherwise the answer is computed afresh in one pass. Which
 * downloads a query admits stays the protocol's decision (manager.logic.ts, scope.ts); this only
 * decides when it must be asked again, so both paths give the same ids — `manager.listing.test.ts`
 * checks it after every kind of change.
 *
 * @module
 */
import type { DownloadIndex } from './manager.index.js';
import type { ListQuery } from './manager.logic.js';

/** One query's answer over one index value. */
export interface DownloadListing {
  /** The index value the answer holds for. */
  readonly downloads: DownloadIndex;
  /** The ids the query admits, in registration order (frozen; shared with the previous listing while equal). */
  readonly ids: readonly string[];
}

/** Whether an entry is in the answer. */
function admitted(query: ListQuery, download: Parameters<ListQuery>[0] | undefined): boolean {
  return download !== undefined && query(download);
}

/**
 * The answer of `query` over `downloads`, reusing `previous` — the same query's answer over an earlier
 * index — when no entry changed its membership: O(changes · log n) then, O(n) otherwise.
 */
export function listDownloads(
  downloads: DownloadIndex,
  query: ListQuery,
  previous?: DownloadListing,
): DownloadListing {
  if (previous !== undefined) {
    if (previous.downloads === downloads) return previous;
    let same = true;
    downloads.changesSince(previous.downloads, (id, next) => {
      same = admitted(query, previous.downloads.get(id)) === admitted(query, next);
      return !same;
    });
    if (same) return { downloads, ids: previous.ids };
  }
  return { downloads, ids: Object.freeze(downloads.idsWhere(query)) };
}
