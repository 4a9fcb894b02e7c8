/**
 * The `--apps FILE` of `dlstate manager serve-dae`: which application identity a page gets, by the path of
 * its URL. The file is JSON:
 *
 * ```json
 * { "apps": [
 *   { "path": "/portal/", "id": "portal", "origin": "portal.example", "organisationId": "operator",
 *     "permissions": ["permission_downloadmanager_all"], "manageDownloads": "all", "profile": "oipf" },
 *   { "path": "/shop/", "id": "shop", "origin": "shop.example", "organisationId": "shop",
 *     "permissions": ["permission_downloadmanager"], "profile": "hbbtv" }
 * ] }
 * ```
 *
 * `path` is a URL path prefix (the longest matching one wins); `id`, `origin` (an FQDN), `organisationId`
 * and `permissions` (10.1.4 names) are required; `manageDownloads` (none | initiator | samedomain | all)
 * narrows what that application's getDownloads returns; `profile` (oipf | hbbtv, default the manager's) may
 * only narrow the manager's: an hbbtv application under an oipf manager has no pause/resume/getDownloads/
 * discInfo/updateRegisteredDownload. A page whose path matches no entry gets no download objects.
 *
 * @module
 */
import { promises as fs } from 'node:fs';
import {
  MANAGE_DOWNLOADS_VALUES,
  type ManageDownloads,
  PERMISSIONS,
  type Permission,
  PROFILES,
  type Profile,
} from '../../machines/oipf/index.js';
import type { ApplicationInfo } from '../oipf/index.js';

/** One application of the apps file. */
export interface DaeWebApp extends ApplicationInfo {
  /** The URL path prefix of its pages, e.g. `/portal/`. */
  readonly path: string;
  /** Its profile (never wider than the manager's). */
  readonly profile: Profile;
}

const FIELDS = new Set([
  'path',
  'id',
  'origin',
  'organisationId',
  'permissions',
  'manageDownloads',
  'profile',
]);

function text(entry: Record<string, unknown>, key: string, where: string): string {
  const value = entry[key];
  if (typeof value !== 'string' || value === '')
    throw new Error(`${where}: "${key}" must be a non-empty string`);
  return value;
}

/** Validates an apps document; throws an Error naming the entry and field that is wrong. */
export function parseApps(doc: unknown, managerProfile: Profile, source = 'apps'): DaeWebApp[] {
  const list = (doc as { apps?: unknown } | null)?.apps;
  if (!Array.isArray(list)) throw new Error(`${source}: expected {"apps": [ … ]}`);
  const seen = new Set<string>();
  return list.map((raw, i) => {
    const where = `${source}: apps[${i}]`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      throw new Error(`${where} is not an object`);
    const entry = raw as Record<string, unknown>;
    const unknown = Object.keys(entry).filter((k) => !FIELDS.has(k));
    if (unknown.length > 0) throw new Error(`${where}: unknown field(s) ${unknown.join(', ')}`);
    const path = text(entry, 'path', where);
    if (!path.startsWith('/')) throw new Error(`${where}: "path" must start with "/"`);
    if (seen.has(path)) throw new Error(`${where}: path ${path} is listed twice`);
    seen.add(path);
    const permissions = entry.permissions;
    if (
      !Array.isArray(permissions) ||
      permissions.some((p) => typeof p !== 'string' || !Object.hasOwn(PERMISSIONS, p))
    )
      throw new Error(`${where}: "permissions" must list names of ${Object.keys(PERMISSIONS).join(', ')}`);
    const manageDownloads = entry.manageDownloads;
    if (manageDownloads !== undefined && !Object.hasOwn(MANAGE_DOWNLOADS_VALUES, String(manageDownloads)))
      throw new Error(
        `${where}: "manageDownloads" must be one of ${Object.keys(MANAGE_DOWNLOADS_VALUES).join(', ')}`,
      );
    const profile = entry.profile ?? managerProfile;
    if (!Object.hasOwn(PROFILES, String(profile)))
      throw new Error(`${where}: "profile" must be one of ${Object.keys(PROFILES).join(', ')}`);
    if (profile === 'oipf' && managerProfile === 'hbbtv')
      throw new Error(`${where}: profile oipf is wider than the manager's profile hbbtv`);
    return {
      path,
      id: text(entry, 'id', where),
      origin: text(entry, 'origin', where),
      organisationId: text(entry, 'organisationId', where),
      permissions: permissions as Permission[],
      ...(manageDownloads !== undefined ? { manageDownloads: manageDownloads as ManageDownloads } : {}),
      profile: profile as Profile,
    };
  });
}

/** Reads and validates an apps file. */
export async function loadApps(file: string, managerProfile: Profile): Promise<DaeWebApp[]> {
  const source = await fs.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new Error(`--apps ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  let doc: unknown;
  try {
    doc = JSON.parse(source);
  } catch (error) {
    throw new Error(`--apps ${file}: not JSON (${(error as Error).message})`);
  }
  return parseApps(doc, managerProfile, `--apps ${file}`);
}

/** The application whose path is the longest prefix of the page URL's path, or undefined. */
export function appForPage(apps: readonly DaeWebApp[], pageUrl: string): DaeWebApp | undefined {
  let pathname: string;
  try {
    pathname = new URL(pageUrl).pathname;
  } catch {
    return undefined;
  }
  let best: DaeWebApp | undefined;
  for (const app of apps) {
    if (pathname.startsWith(app.path) && (best === undefined || app.path.length > best.path.length))
      best = app;
  }
  return best;
}
