/**
 * What the adapter keeps about a download beyond the machine's context: the registering application's
 * origin (to route notifications), the CADD metadata the Download object shows, the checksum to verify,
 * the times, and where the completed file is.
 *
 * @module
 */
import type { CaddItem } from '../../machines/oipf/cadd.js';

/** Adapter-side facts about one download (persisted with the registry). */
export interface DownloadMeta {
  readonly appId: string;
  readonly origin: string;
  readonly name?: string | undefined;
  readonly description?: string | undefined;
  readonly contentID?: string | undefined;
  readonly originSite?: string | undefined;
  readonly originSiteName?: string | undefined;
  readonly iconURL?: string | undefined;
  readonly transferType?: 'full_download' | 'playable_download';
  readonly checksum?: CaddItem['checksum'];
  readonly parentalRatings?: CaddItem['parentalRatings'];
  /** ISO 8601: when it was registered (Download.startTime, unless a downloadStart was given). */
  readonly registeredAt: string;
  /** ISO 8601: the `downloadStart` argument, when given: the download stays queued until then. */
  readonly downloadStart?: string | undefined;
  /** ISO 8601: when its first transfer started. */
  readonly firstTransferAt?: string | undefined;
  /** ISO 8601: when it completed. */
  readonly completedAt?: string | undefined;
  /** The completed content's path. */
  readonly filePath?: string | undefined;
  /** HbbTV `flaggedForDeletion`. */
  readonly flaggedForDeletion?: boolean;
}

/** The Download metadata of a CADD content item. */
export function metaOfItem(item: CaddItem): Partial<DownloadMeta> {
  return {
    name: item.name,
    description: item.description,
    contentID: item.contentID,
    originSite: item.originSite,
    originSiteName: item.originSiteName,
    iconURL: item.iconURL,
    transferType: item.transferType,
    checksum: item.checksum,
    parentalRatings: item.parentalRatings,
  };
}
