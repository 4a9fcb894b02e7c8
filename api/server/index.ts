/**
 * `dlstate/server`: the reference Download Server — one DD 2.0 per file of a directory, `Range`/`If-Match`/
 * `ETag` (`objectID/objectVersion`), status reports received at `/reports`. The descriptor's media type,
 * `DD2_MEDIA_TYPE`, is exported by `dlstate/machines`.
 *
 * @module
 */
export {
  type DescriptorOverrides,
  DirectoryCatalogue,
  /** A file the server offers: its path, identity, size and descriptor fields. */
  type MediaObject as CatalogueObject,
  mediaTypeFor,
} from '../../adapters/server/catalogue.js';
export {
  type DescriptorDocument,
  escapeXml,
  renderDescriptor,
} from '../../adapters/server/descriptor-xml.js';
export {
  type DownloadServer,
  type DownloadServerOptions,
  type ReceivedReport,
  type RequestLogEntry,
  type ServerFaults,
  startDownloadServer,
} from '../../adapters/server/server.js';
