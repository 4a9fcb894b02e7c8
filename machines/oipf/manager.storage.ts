/**
 * Storage accounting of the OIPF DAE download manager (pure): what each download needs and holds,
 * per-organisation use, free space, whether a download fits its organisation's reservation or the
 * free space (DAE-RESERVE-5), reserve() decisions (DAE-RESERVE-*) and the hasReserved / allocated
 * properties in megabytes (DAE-PROP-1).
 *
 * A reservation is space set apart for one organisation: it counts whole against everyone else, and
 * that organisation's downloads may not grow beyond it. Organisations without one share what is left.
 *
 * @module
 */
import { BYTES_PER_MB, RESERVE, type ReserveResult } from './constants.js';
import { committedBytes } from './manager.index.js';
import type { DaeCaller, ManagedDownload, OipfManagerContext } from './manager.types.js';

export { committedBytes, footprintBytes } from './manager.index.js';

/**
 * What an organisation's completed, in-progress and requested downloads need (DAE-RESERVE-3).
 * @see DAE-RESERVE-3
 */
export function orgUsedBytes(context: OipfManagerContext, orgId: string): number {
  return context.downloads.usage[orgId]?.footprint ?? 0;
}

/** The bytes an organisation's downloads hold (all of them, or all but `excludeId`). */
export function orgCommittedBytes(context: OipfManagerContext, orgId: string, excludeId?: string): number {
  const total = context.downloads.usage[orgId]?.committed ?? 0;
  const excluded = excludeId === undefined ? undefined : context.downloads.get(excludeId);
  return excluded !== undefined && excluded.orgId === orgId ? total - committedBytes(excluded) : total;
}

/** Bytes taken from the device by everyone but `excludeOrg`/`excludeId`: reservations count whole. */
function takenBytes(context: OipfManagerContext, excludeOrg?: string, excludeId?: string): number {
  let taken = 0;
  for (const [orgId, reserved] of Object.entries(context.reservations)) {
    if (orgId !== excludeOrg) taken += Math.max(reserved, orgCommittedBytes(context, orgId, excludeId));
  }
  for (const orgId of Object.keys(context.downloads.usage)) {
    const unreserved = context.reservations[orgId] === undefined;
    if (unreserved && orgId !== excludeOrg) taken += orgCommittedBytes(context, orgId, excludeId);
  }
  return taken;
}

/** Bytes of the device neither reserved nor held by downloads of unreserved organisations. */
export function freeBytes(context: OipfManagerContext): number {
  return Math.max(0, context.capacityBytes - takenBytes(context));
}

/**
 * Whether a download may hold `bytes`: within its organisation's reservation when there is one
 * ("attempts to use more than the reserved space SHALL fail"), else within the free space (DAE-RESERVE-5).
 * @see DAE-RESERVE-5
 */
export function fitsStorage(context: OipfManagerContext, download: ManagedDownload, bytes: number): boolean {
  const reserved = context.reservations[download.orgId];
  const limit =
    reserved === undefined
      ? context.capacityBytes - takenBytes(context, undefined, download.id)
      : reserved - orgCommittedBytes(context, download.orgId, download.id);
  return bytes <= limit;
}

/** The largest reservation an organisation can be granted: the device minus what everyone else takes. */
export function maxGrantableBytes(context: OipfManagerContext, orgId: string): number {
  return context.capacityBytes - takenBytes(context, orgId);
}

/**
 * The facts reserve() decides on for one organisation: all a page's copy of the decision needs (the DAE objects
 * in a browser get them with each snapshot), so the manager and the page decide by one function.
 */
export interface ReserveFacts {
  /** Reservations by this organisation never succeed. */
  readonly never: boolean;
  /** The largest reservation the organisation can be granted, in bytes. */
  readonly maxGrantableBytes: number;
  /** What the organisation's completed, in-progress and requested downloads need, in bytes. */
  readonly orgUsedBytes: number;
  /** The bytes the organisation's downloads already hold on disk. */
  readonly orgCommittedBytes: number;
  /** The organisation's current reservation in bytes, if it has one. */
  readonly reservedBytes?: number;
}

/** The {@link ReserveFacts} of one organisation in the manager's context. */
export function reserveFacts(context: OipfManagerContext, orgId: string): ReserveFacts {
  const reservedBytes = context.reservations[orgId];
  return {
    never: context.reserveNever.includes(orgId),
    maxGrantableBytes: maxGrantableBytes(context, orgId),
    orgUsedBytes: orgUsedBytes(context, orgId),
    orgCommittedBytes: orgCommittedBytes(context, orgId),
    ...(reservedBytes === undefined ? {} : { reservedBytes }),
  };
}

/**
 * reserve(bytes)'s result from an organisation's facts: invalid → UNKNOWN, 0 → OK (cancels), never → NEVER,
 * too large → TOO_LARGE; a shrink below what the downloads need → SMALLER_THAN_USED; a first or growing
 * reservation below what the downloads already hold → UNKNOWN; else OK.
 * @see DAE-RESERVE-1 @see DAE-RESERVE-3 @see DAE-RESERVE-6 @see DAE-RESERVE-7
 */
export function decideReserveOnFacts(facts: ReserveFacts, bytes: number): ReserveResult {
  if (!Number.isSafeInteger(bytes) || bytes < 0) return RESERVE.RESERVE_UNKNOWN;
  if (bytes === 0) return RESERVE.RESERVE_OK;
  if (facts.never) return RESERVE.RESERVE_NEVER;
  if (bytes > facts.maxGrantableBytes) return RESERVE.RESERVE_TOO_LARGE;
  if (facts.reservedBytes !== undefined && bytes < facts.reservedBytes) {
    // DAE-RESERVE-3: a shrink is refused below what the organisation's downloads need.
    return bytes < facts.orgUsedBytes ? RESERVE.RESERVE_SMALLER_THAN_USED : RESERVE.RESERVE_OK;
  }
  // A first reservation or a growing one is no shrink: never SMALLER_THAN_USED. It is granted when it covers
  // what the organisation already holds on disk (downloads needing more fail when they grow, DAE-RESERVE-5);
  // below that no code of the seed fits and it is refused as RESERVE_UNKNOWN (editor's note, DAE-RESERVE-7).
  return bytes < facts.orgCommittedBytes ? RESERVE.RESERVE_UNKNOWN : RESERVE.RESERVE_OK;
}

/**
 * reserve(bytes)'s result (DAE-RESERVE-1…7): 0 cancels (DAE-RESERVE-6); more than the device can give
 * → RESERVE_TOO_LARGE; shrinking a reservation below what the organisation's downloads need →
 * RESERVE_SMALLER_THAN_USED (DAE-RESERVE-3), which a first or growing reservation never gets; an organisation configured as never → RESERVE_NEVER; a non-integer or negative
 * size → RESERVE_UNKNOWN. No user UI is modelled, so USER_* results are never produced.
 * @see DAE-RESERVE-1 @see DAE-RESERVE-2 @see DAE-RESERVE-3 @see DAE-RESERVE-6 @see DAE-RESERVE-7
 */
export function decideReserve(
  context: OipfManagerContext,
  call: { readonly caller: DaeCaller; readonly bytes: number },
): ReserveResult {
  return decideReserveOnFacts(reserveFacts(context, call.caller.orgId), call.bytes);
}

/** The reservations after granting `bytes` to an organisation (0 cancels, DAE-RESERVE-6). */
export function withReservation(
  reservations: Readonly<Record<string, number>>,
  orgId: string,
  bytes: number,
): Readonly<Record<string, number>> {
  const { [orgId]: _old, ...others } = reservations;
  return bytes === 0 ? others : { ...others, [orgId]: bytes };
}

/** Bytes to megabytes, rounded up (clauses.md decision). */
export function bytesToMb(bytes: number): number {
  return Math.ceil(bytes / BYTES_PER_MB);
}

/**
 * `hasReserved`: the caller organisation's reservation in MB (rounded up), else -1 (DAE-PROP-1).
 * @see DAE-PROP-1
 */
export function hasReservedMb(context: OipfManagerContext, orgId: string): number {
  const reserved = context.reservations[orgId];
  return reserved === undefined ? -1 : bytesToMb(reserved);
}

/**
 * `allocated`: the part of the caller organisation's reservation its downloads hold, in MB (rounded
 * up), else -1 without a reservation (DAE-PROP-1, our reading).
 * @see DAE-PROP-1
 */
export function allocatedMb(context: OipfManagerContext, orgId: string): number {
  if (context.reservations[orgId] === undefined) return -1;
  return bytesToMb(orgCommittedBytes(context, orgId));
}
