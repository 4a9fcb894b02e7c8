/**
 * A small, independent model of the OIPF DAE download API for the DAE API property: the spec rules of
 * clauses.md (DAE-*) and dae-download.md restated in a few lines each, deliberately NOT importing the
 * machines' `decide*`, `canPause`… or scope functions, so the property can catch a bug in them. The model
 * predicts return values from the state the real manager shows at the moment of the call (downloads move
 * on their own), who may see and touch which download, and what a reservation may be; it also checks an
 * event history against the states observed.
 *
 * @module
 */

/** DAE download states (7.4.4), restated: 1 completed, 2 in progress, 4 paused, 8 failed, 16 queued, 32 stalled. */
export const S = Object.freeze({
  COMPLETED: 1,
  IN_PROGRESS: 2,
  PAUSED: 4,
  FAILED: 8,
  QUEUED: 16,
  STALLED: 32,
});

/** Every DAE state value (DAE-STATE-1). */
export const ALL_STATES: readonly number[] = Object.freeze([1, 2, 4, 8, 16, 32]);

/** RESERVE_* values, restated (ours: 0…6 in the seed's order). */
export const R = Object.freeze({
  OK: 0,
  NEVER: 1,
  USER_REQD: 2,
  USER_DECLINED: 3,
  TOO_LARGE: 4,
  SMALLER: 5,
  UNKNOWN: 6,
});

/** The scope a download-manager permission grants (DAE 10.1.4): own application, same FQDN, any domain. */
export type Scope = 'own' | 'samedomain' | 'all';

/** One of the three applications of a run, as the model knows it. */
export interface ModelApp {
  /** `app1` … `app3`: the name the command log uses. */
  readonly name: string;
  readonly id: string;
  readonly origin: string;
  readonly orgId: string;
  readonly scope: Scope;
}

/** A download the model has seen registered (kept after removal, so later calls can name it). */
export interface ModelDownload {
  readonly id: string;
  /** The registering application's id and origin. */
  readonly appId: string;
  readonly origin: string;
  readonly orgId: string;
  removed: boolean;
}

/** The model state of one run. */
export interface DaeModel {
  readonly apps: readonly ModelApp[];
  readonly downloads: ModelDownload[];
  /** Granted reservations in bytes, by organisation. */
  readonly reservations: Map<string, number>;
  readonly capacityBytes: number;
}

/** A fresh model: no downloads, no reservations. */
export function newModel(apps: readonly ModelApp[], capacityBytes: number): DaeModel {
  return { apps, downloads: [], reservations: new Map(), capacityBytes };
}

/** The live (not removed) downloads, in registration order. */
export function live(model: DaeModel): ModelDownload[] {
  return model.downloads.filter((d) => !d.removed);
}

/**
 * DAE-FILTER-3 / permissions: own → the caller's downloads, samedomain → its FQDN's, all → any.
 * This is also what the application may touch, and what it is told about (events).
 */
export function inScope(app: ModelApp, d: ModelDownload): boolean {
  if (app.scope === 'all') return true;
  if (app.scope === 'samedomain') return d.origin === app.origin;
  return d.appId === app.id;
}

/**
 * createFilteredList's domain/permission rule: true → only the caller's FQDN (only its own with
 * permission_downloadmanager, DAE-FILTER-1); false → only other FQDNs, nothing without _all
 * (DAE-FILTER-2); undefined → the scope (DAE-FILTER-3).
 */
export function filterAdmits(app: ModelApp, d: ModelDownload, currentDomain: boolean | undefined): boolean {
  if (currentDomain === true) return d.origin === app.origin && (app.scope !== 'own' || d.appId === app.id);
  if (currentDomain === false) return app.scope === 'all' && d.origin !== app.origin;
  return inScope(app, d);
}

/** DAE-FILTER-4: `states` is a bit set of state values. */
export function stateListed(state: number, states: number): boolean {
  return (state & states) !== 0;
}

/** The ids getDownloads() returns to an application (DAE-GET-3), sorted. */
export function expectedGetAll(model: DaeModel, app: ModelApp): string[] {
  return sortIds(
    live(model)
      .filter((d) => inScope(app, d))
      .map((d) => d.id),
  );
}

/** The ids getDownloads(id) returns (DAE-GET-1): that one if live and in scope, else none. */
export function expectedGetOne(model: DaeModel, app: ModelApp, id: string): string[] {
  return live(model)
    .filter((d) => d.id === id && inScope(app, d))
    .map((d) => d.id);
}

/** The ids createFilteredList(currentDomain, states) returns, given each download's observed state. */
export function expectedFiltered(
  model: DaeModel,
  app: ModelApp,
  currentDomain: boolean | undefined,
  states: number,
  stateOf: (id: string) => number | undefined,
): string[] {
  return sortIds(
    live(model)
      .filter((d) => filterAdmits(app, d, currentDomain))
      .filter((d) => {
        const state = stateOf(d.id);
        return state !== undefined && stateListed(state, states);
      })
      .map((d) => d.id),
  );
}

/**
 * What a call on a download may do: `state` is its observed state (undefined once removed) and
 * `touchable` whether the caller's scope holds it. Removed or out of scope → false for every method.
 */
export interface CallRule {
  readonly result: boolean;
  /** The states the download may be in right after the call (undefined: removed). */
  readonly after: readonly (number | undefined)[];
}

/** DAE-PAUSE-1 (2, 16, 32 → true, then 4), our decision (4 → true, stays 4), DAE-PAUSE-3 (1, 8 → false). */
export function pauseRule(state: number | undefined, touchable: boolean): CallRule {
  const ok = touchable && (state === 2 || state === 16 || state === 32 || state === 4);
  return ok ? { result: true, after: [S.PAUSED] } : { result: false, after: [state] };
}

/** DAE-RESUME-1: true only on 4, which becomes 2, or 16 when no slot is free (ours); false elsewhere. */
export function resumeRule(state: number | undefined, touchable: boolean): CallRule {
  return touchable && state === S.PAUSED
    ? { result: true, after: [S.IN_PROGRESS, S.QUEUED] }
    : { result: false, after: [state] };
}

/**
 * DAE-UPDATE-5: false only on 1 (and on a removed or foreign download); DAE-UPDATE-2 in progress goes
 * on (a paused one stays paused, ours), DAE-UPDATE-4 queued stays queued, DAE-UPDATE-3 failed/stalled
 * resume (2, or 16 without a free slot; a stalled one keeps its slot).
 */
export function updateRule(state: number | undefined, touchable: boolean): CallRule {
  if (!touchable || state === undefined || state === S.COMPLETED) return { result: false, after: [state] };
  const after: Record<number, readonly number[]> = {
    [S.IN_PROGRESS]: [S.IN_PROGRESS],
    [S.PAUSED]: [S.PAUSED],
    [S.QUEUED]: [S.QUEUED],
    [S.FAILED]: [S.IN_PROGRESS, S.QUEUED],
    [S.STALLED]: [S.IN_PROGRESS],
  };
  return { result: true, after: after[state] ?? [] };
}

/** DAE-REMOVE-1: true for a valid download in scope, then gone (DAE-REMOVE-2: false forever). */
export function removeRule(state: number | undefined, touchable: boolean): CallRule {
  return touchable && state !== undefined
    ? { result: true, after: [undefined] }
    : { result: false, after: [state] };
}

/**
 * What reserve(bytes) may answer, before knowing the organisation's use: 0 cancels (DAE-RESERVE-6,
 * OK); a negative or fractional size is UNKNOWN; more than the device is TOO_LARGE; otherwise OK,
 * TOO_LARGE (others hold the space) or SMALLER_THAN_USED (DAE-RESERVE-3). No user UI: never USER_*.
 */
export function reserveOutcomes(bytes: number, capacityBytes: number): readonly number[] {
  if (!Number.isSafeInteger(bytes) || bytes < 0) return [R.UNKNOWN];
  if (bytes === 0) return [R.OK];
  if (bytes > capacityBytes) return [R.TOO_LARGE];
  // UNKNOWN: a first or growing reservation below what the organisation already holds (manager.storage.ts).
  return [R.OK, R.TOO_LARGE, R.SMALLER, R.UNKNOWN];
}

/** hasReserved (DAE-PROP-1): the reservation in MB rounded up, else -1. */
export function hasReservedMb(model: DaeModel, orgId: string): number {
  const bytes = model.reservations.get(orgId);
  return bytes === undefined ? -1 : Math.ceil(bytes / 1_048_576);
}

/** Applies a reserve result: only RESERVE_OK changes anything (HBB-RESERVE-1); 0 cancels (DAE-RESERVE-6). */
export function applyReserve(model: DaeModel, orgId: string, bytes: number, result: number): void {
  if (result !== R.OK) return;
  if (bytes === 0) model.reservations.delete(orgId);
  else model.reservations.set(orgId, bytes);
}

/** One state-change notification as an application (or the host) received it. */
export interface Heard {
  readonly state: number;
  readonly reason: number | undefined;
}

/**
 * Problems of one download's notification sequence against the states observed while the run went on
 * (DAE-EVT-1, DAE-STATE-2): every notification is a change (no two equal states in a row), the reason
 * is defined exactly with state 8, the observed states appear in the notifications in order, and the
 * last notification is the current state.
 */
export function historyProblems(
  heard: readonly Heard[],
  observed: readonly number[],
  current: number | undefined,
): string[] {
  const problems: string[] = [];
  heard.forEach((h, i) => {
    if (!ALL_STATES.includes(h.state)) problems.push(`#${i}: ${h.state} is no DAE state`);
    if ((h.state === S.FAILED) !== (h.reason !== undefined))
      problems.push(`#${i}: state ${h.state} with reason ${String(h.reason)}`);
    if (h.state === S.FAILED && !(h.reason !== undefined && h.reason >= 0 && h.reason <= 4))
      problems.push(`#${i}: reason ${String(h.reason)} is not 0…4`);
    if (i > 0 && heard[i - 1]?.state === h.state) problems.push(`#${i}: ${h.state} twice in a row`);
  });
  const states = heard.map((h) => h.state);
  const seen = collapse(observed);
  let at = 0;
  for (const s of seen) {
    const found = states.indexOf(s, at);
    if (found < 0) {
      problems.push(`observed ${s} (in ${seen.join('→')}) not notified in order (${states.join('→')})`);
      break;
    }
    at = found;
  }
  if (current !== undefined && states.at(-1) !== current)
    problems.push(`current state ${current}, last notified ${String(states.at(-1))}`);
  return problems;
}

/** Consecutive duplicates removed. */
export function collapse(states: readonly number[]): number[] {
  return states.filter((s, i) => i === 0 || states[i - 1] !== s);
}

/** Ids sorted numerically when they are numbers, else as strings (stable comparisons). */
export function sortIds(ids: readonly string[]): string[] {
  return [...ids].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
}
