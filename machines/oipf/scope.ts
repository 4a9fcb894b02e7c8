/**
 * Which downloads an application may see and touch (pure): getDownloads by the `manageDownloads`
 * capability (DAE-GET-*), createFilteredList by the permissions table of the seed (DAE-FILTER-*),
 * and pause/resume/remove only on what the application may see.
 *
 * Decisions (ours): an application holding several download-manager permissions gets the widest
 * one's scope (all > samedomain > own); one holding none sees nothing (the objects are for trusted
 * applications, DAE-SEC-1). getDownloads returns the intersection of the `manageDownloads` scope and
 * the permission scope (the seed subjects the API to the security model of its section 10).
 *
 * @module
 */
import type { DaeState, ManageDownloads, Permission, PermissionScope } from './constants.js';
import { PERMISSIONS } from './constants.js';

/** The calling application as the scope rules see it. */
export interface ScopeApp {
  /** The application id. */
  readonly id: string;
  /** The FQDN of the calling document. */
  readonly origin: string;
  /** Its download-manager permissions. */
  readonly permissions: readonly Permission[] | ReadonlySet<Permission>;
  /** The OITF's `manageDownloads` capability value. */
  readonly manageDownloads: ManageDownloads;
}

/** What the scope rules need of a download: who initiated it, from where. */
export interface ScopedDownload {
  readonly appId: string;
  readonly origin: string;
}

const WIDTH: Readonly<Record<PermissionScope | 'none', number>> = Object.freeze({
  none: 0,
  own: 1,
  samedomain: 2,
  all: 3,
});

/** The widest scope an application's permissions grant (DAE-FILTER-*), or `'none'`. */
export function permissionScope(permissions: ScopeApp['permissions']): PermissionScope | 'none' {
  let widest: PermissionScope | 'none' = 'none';
  for (const permission of permissions) {
    const scope = PERMISSIONS[permission]?.scope;
    if (scope !== undefined && WIDTH[scope] > WIDTH[widest]) widest = scope;
  }
  return widest;
}

/** Whether a download lies within a scope for this application. */
function inScope(scope: PermissionScope | ManageDownloads, app: ScopeApp, download: ScopedDownload): boolean {
  switch (scope) {
    case 'all':
      return true;
    case 'samedomain':
      return download.origin === app.origin;
    case 'own':
    case 'initiator':
      return download.appId === app.id;
    default:
      return false;
  }
}

/**
 * Whether getDownloads may return this download to the application: within the `manageDownloads`
 * scope (same application, same domain or all — DAE-GET-1, DAE-GET-3) and within its permissions.
 * @see DAE-GET-1 @see DAE-GET-3
 */
export function visibleTo(app: ScopeApp, download: ScopedDownload): boolean {
  return (
    inScope(app.manageDownloads, app, download) && inScope(permissionScope(app.permissions), app, download)
  );
}

/**
 * Whether the application may pause, resume, update or remove this download: only one it could list
 * (createFilteredList with currentDomain undefined), and only when download management is supported.
 * @see DAE-SEC-1
 */
export function mayTouch(app: ScopeApp, download: ScopedDownload): boolean {
  return app.manageDownloads !== 'none' && inScope(permissionScope(app.permissions), app, download);
}

/**
 * Whether a state is in a `states` bit set (the sum of state values, DAE-FILTER-4).
 * @see DAE-FILTER-4
 */
export function stateInSet(state: DaeState, states: number): boolean {
  return (states & state) !== 0;
}

/**
 * Whether createFilteredList adds this download by domain and permission (the seed's table):
 * true → only from the caller's FQDN, only its own with permission_downloadmanager (DAE-FILTER-1);
 * false → only from other FQDNs, and nothing without permission_downloadmanager_all (DAE-FILTER-2);
 * undefined → any domain, narrowed to its own or its FQDN by those permissions (DAE-FILTER-3).
 * @see DAE-FILTER-1 @see DAE-FILTER-2 @see DAE-FILTER-3
 */
export function filterAdmits(
  app: ScopeApp,
  download: ScopedDownload,
  currentDomain: boolean | undefined,
): boolean {
  const scope = permissionScope(app.permissions);
  if (scope === 'none') return false;
  const sameDomain = download.origin === app.origin;
  if (currentDomain === true) return sameDomain && (scope !== 'own' || download.appId === app.id);
  if (currentDomain === false) return scope === 'all' && !sameDomain;
  return inScope(scope, app, download);
}

/**
 * What a list call's scope asks of a download, resolved once for a caller so a list of 10 000 is tested
 * with plain comparisons: `null` admits nothing; otherwise the download must be the application's own
 * (`appId`), come from its FQDN (`origin`) or from any other FQDN (`notOrigin`), where given.
 */
export type Narrowing = {
  readonly appId?: string;
  readonly origin?: string;
  readonly notOrigin?: string;
} | null;

/** A scope (a permission's or `manageDownloads`) as a narrowing for this application. */
function narrowingOfScope(scope: PermissionScope | ManageDownloads | 'none', app: ScopeApp): Narrowing {
  switch (scope) {
    case 'all':
      return {};
    case 'samedomain':
      return { origin: app.origin };
    case 'own':
    case 'initiator':
      return { appId: app.id };
    default:
      return null;
  }
}

/** Both narrowings at once (the intersection of two scopes). */
function bothNarrowings(a: Narrowing, b: Narrowing): Narrowing {
  return a === null || b === null ? null : { ...a, ...b };
}

/** Whether a download passes a narrowing. */
export function narrowingAdmits(narrowing: Narrowing, download: ScopedDownload): boolean {
  return (
    narrowing !== null &&
    (narrowing.appId === undefined || download.appId === narrowing.appId) &&
    (narrowing.origin === undefined || download.origin === narrowing.origin) &&
    (narrowing.notOrigin === undefined || download.origin !== narrowing.notOrigin)
  );
}

/**
 * createFilteredList's table (filterAdmits) for one caller and `currentDomain`, as a narrowing.
 * @see DAE-FILTER-1 @see DAE-FILTER-2 @see DAE-FILTER-3
 */
export function filterNarrowing(app: ScopeApp, currentDomain: boolean | undefined): Narrowing {
  const scope = permissionScope(app.permissions);
  if (scope === 'none') return null;
  if (currentDomain === true)
    return scope === 'own' ? { origin: app.origin, appId: app.id } : { origin: app.origin };
  if (currentDomain === false) return scope === 'all' ? { notOrigin: app.origin } : null;
  return narrowingOfScope(scope, app);
}

/**
 * getDownloads' scope (visibleTo: the `manageDownloads` scope and the permission scope) for one
 * caller, as a narrowing.
 * @see DAE-GET-1 @see DAE-GET-3
 */
export function visibleNarrowing(app: ScopeApp): Narrowing {
  return bothNarrowings(
    narrowingOfScope(app.manageDownloads, app),
    narrowingOfScope(permissionScope(app.permissions), app),
  );
}

/**
 * createFilteredList(currentDomain, states): the downloads the table admits whose state is in the
 * `states` bit set, in the order given.
 * @see DAE-FILTER-1 @see DAE-FILTER-2 @see DAE-FILTER-3 @see DAE-FILTER-4
 */
export function createFilteredList<D extends ScopedDownload & { readonly state: DaeState }>(
  app: ScopeApp,
  downloads: readonly D[],
  currentDomain: boolean | undefined,
  states: number,
): D[] {
  const narrowing = filterNarrowing(app, currentDomain);
  return downloads.filter((d) => stateInSet(d.state, states) && narrowingAdmits(narrowing, d));
}

/**
 * getDownloads(id): the downloads in the caller's scope whose id equals `id`, or all of them when
 * `id` is null/absent (DAE-GET-1, DAE-GET-3). A download registered via a Content Access Download
 * Descriptor is reported as null until that descriptor is parsed (DAE-GET-2): getDownloads(id) of
 * such a download returns null; the full list leaves it out (ours).
 * @see DAE-GET-1 @see DAE-GET-2 @see DAE-GET-3
 */
export function getDownloads<
  D extends ScopedDownload & { readonly id: string; readonly descriptorPending?: boolean },
>(app: ScopeApp, downloads: readonly D[], id?: string | null): D[] | null {
  if (id === undefined || id === null) {
    const narrowing = visibleNarrowing(app);
    return downloads.filter((d) => d.descriptorPending !== true && narrowingAdmits(narrowing, d));
  }
  const matching = downloads.filter((d) => d.id === id && visibleTo(app, d));
  if (matching.some((d) => d.descriptorPending === true)) return null;
  return matching;
}
