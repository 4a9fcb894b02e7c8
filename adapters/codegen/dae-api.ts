/**
 * The OIPF DAE download API as an application sees it (DAE 7.4.1 `application/oipfDownloadTrigger`,
 * 7.4.3 `application/oipfDownloadManager`, 7.4.4 `Download`, 7.4.5 `DownloadCollection`, 7.16.4
 * `DiscInfo`, the `DownloadStateChange` DOM event), copied as typed data from the seed and the DAE fact
 * file so the generator never reads the specs at run time. Numbers (states, reasons, RESERVE_*) are not
 * written here: the renderer takes them from `machines/oipf/constants.ts`.
 *
 * @module
 */
import type { ClauseId } from '../../machines/clauses.js';

/** One parameter of a DAE method. */
export interface DaeParam {
  readonly name: string;
  /** The TypeScript type of the argument. */
  readonly type: string;
  /** Whether an application may leave it out. */
  readonly optional?: boolean;
  /** What it means, from the DAE text. */
  readonly doc: string;
}

/** One property or method of a DAE object. */
export type DaeApiMember =
  | {
      readonly kind: 'property';
      readonly name: string;
      /** The TypeScript type. */
      readonly type: string;
      readonly readonly: boolean;
      /** What the DAE text says it is. */
      readonly summary: string;
      /** Clause ids of the registry this member implements (their statements go into the JSDoc). */
      readonly clauses: readonly ClauseId[];
    }
  | {
      readonly kind: 'method';
      readonly name: string;
      readonly params: readonly DaeParam[];
      /** The TypeScript return type. */
      readonly returns: string;
      readonly summary: string;
      readonly clauses: readonly ClauseId[];
    };

/** One DAE object or class, rendered as an interface. */
export interface DaeApiInterface {
  readonly name: string;
  /** The DAE section and what the object is for. */
  readonly summary: string;
  readonly clauses: readonly ClauseId[];
  readonly members: readonly DaeApiMember[];
}

/** `Download.state` values (DAE 7.4.4): the renderer adds them as `readonly DOWNLOAD_*: n` constants. */
export const DOWNLOAD_STATE_CONSTANTS_ON = 'Download';
/** RESERVE_* results (DAE 7.4.3.5): the renderer adds them as constants of the manager object. */
export const RESERVE_CONSTANTS_ON = 'OipfDownloadManager';

/** DAE 7.16.4 `DiscInfo`. */
export const DISC_INFO: DaeApiInterface = {
  name: 'DiscInfo',
  summary:
    'The status of the local storage device (DAE 7.16.4); every size is in megabytes (1 MB = 1 048 576 bytes).',
  clauses: ['DAE-PROP-2'],
  members: [
    {
      kind: 'property',
      name: 'free',
      type: 'number',
      readonly: true,
      summary: 'Free space, in megabytes.',
      clauses: [],
    },
    {
      kind: 'property',
      name: 'total',
      type: 'number',
      readonly: true,
      summary: 'Capacity, in megabytes.',
      clauses: [],
    },
    {
      kind: 'property',
      name: 'reserved',
      type: 'number',
      readonly: true,
      summary: 'Space reserved for downloads, in megabytes.',
      clauses: [],
    },
  ],
};

/** DAE 7.4.4 `Download` (the state constants are added from machines/oipf/constants.ts). */
export const DOWNLOAD: DaeApiInterface = {
  name: 'Download',
  summary:
    'One download (DAE 7.4.4). After `remove()` every property of the object reads `undefined` and every method given it returns false.',
  clauses: ['DAE-REMOVE-2'],
  members: [
    {
      kind: 'property',
      name: 'id',
      type: 'string',
      readonly: true,
      summary: 'The download identifier, stable across restarts.',
      clauses: ['DAE-GET-1'],
    },
    {
      kind: 'property',
      name: 'state',
      type: 'DaeState',
      readonly: true,
      summary: 'The current state: one of the `DOWNLOAD_*` constants.',
      clauses: ['DAE-STATE-1'],
    },
    {
      kind: 'property',
      name: 'reason',
      type: 'DaeReason | undefined',
      readonly: true,
      summary: 'Why the download failed; defined only when `state` is 8 (DOWNLOAD_FAILED).',
      clauses: ['DAE-STATE-2'],
    },
    {
      kind: 'property',
      name: 'totalSize',
      type: 'number',
      readonly: true,
      summary: 'The size of the content, in bytes.',
      clauses: [],
    },
    {
      kind: 'property',
      name: 'amountDownloaded',
      type: 'number',
      readonly: true,
      summary: 'The bytes downloaded so far.',
      clauses: [],
    },
    {
      kind: 'property',
      name: 'name',
      type: 'string',
      readonly: true,
      summary: 'The title of the content.',
      clauses: [],
    },
    {
      kind: 'property',
      name: 'description',
      type: 'string',
      readonly: true,
      summary: 'A description (synopsis) of the content.',
      clauses: [],
    },
    {
      kind: 'property',
      name: 'contentID',
      type: 'string',
      readonly: true,
      summary: 'The content identifier.',
      clauses: [],
    },
    {
      kind: 'property',
      name: 'contentURL',
      type: 'string',
      readonly: true,
      summary: 'The URL the content is retrieved from (the new one after `updateRegisteredDownload`).',
      clauses: ['DAE-UPDATE-1'],
    },
    {
      kind: 'property',
      name: 'originSite',
      type: 'string',
      readonly: true,
      summary: 'The site the content comes from.',
      clauses: [],
    },
    {
      kind: 'property',
      name: 'originSiteName',
      type: 'string',
      readonly: true,
      summary: 'The human-readable name of the origin site.',
      clauses: [],
    },
    {
      kind: 'property',
      name: 'iconURL',
      type: 'string',
      readonly: true,
      summary: 'An icon for the content.',
      clauses: [],
    },
    {
      kind: 'property',
      name: 'transferType',
      type: "'full_download' | 'playable_download'",
      readonly: true,
      summary: 'Whether the content is playable only once complete, or while it downloads.',
      clauses: [],
    },
    {
      kind: 'property',
      name: 'startTime',
      type: 'Date',
      readonly: true,
      summary: 'When the download starts (or started).',
      clauses: [],
    },
    {
      kind: 'property',
      name: 'timeElapsed',
      type: 'number',
      readonly: true,
      summary: 'Seconds spent downloading so far.',
      clauses: [],
    },
    {
      kind: 'property',
      name: 'timeRemaining',
      type: 'number',
      readonly: true,
      summary: 'Estimated seconds until the download completes.',
      clauses: [],
    },
    {
      kind: 'property',
      name: 'parentalRatings',
      type: 'DaeCollection<object>',
      readonly: true,
      summary: 'The parental ratings of the content (a ParentalRatingCollection; may be empty).',
      clauses: [],
    },
    {
      kind: 'property',
      name: 'drmControl',
      type: 'DaeCollection<object>',
      readonly: true,
      summary: 'The DRM control information of the content (DAE 7.4.6; may be empty).',
      clauses: [],
    },
    {
      kind: 'property',
      name: 'priority',
      type: 'number',
      readonly: true,
      summary:
        'The priority given to `registerDownloadURL` (HbbTV A.2.19); a larger number is a higher priority, default 0. Not a DAE property.',
      clauses: ['DAE-PRIO-1'],
    },
    {
      kind: 'property',
      name: 'errorLevel',
      type: 'number | undefined',
      readonly: true,
      summary: 'HbbTV, FDP (broadcast) downloads only: 0 when no errors occurred.',
      clauses: ['HBB-FDP-1'],
    },
    {
      kind: 'property',
      name: 'flaggedForDeletion',
      type: 'boolean',
      readonly: false,
      summary: 'HbbTV: a flagged item may be removed automatically, and its space counts as free.',
      clauses: [],
    },
  ],
};

/** DAE 7.4.5 `DownloadCollection`. */
export const DOWNLOAD_COLLECTION: DaeApiInterface = {
  name: 'DownloadCollection',
  summary: 'A collection of downloads (DAE 7.4.5), as `getDownloads` and `createFilteredList` return it.',
  clauses: [],
  members: [],
};

/** DAE 7.4.3.2: the `DownloadStateChange` DOM event. */
export const DOWNLOAD_STATE_CHANGE_EVENT: DaeApiInterface = {
  name: 'DownloadStateChangeEvent',
  summary:
    'The `DownloadStateChange` DOM event (DAE 7.4.3.2): dispatched to the manager object itself; it does not bubble and is not cancellable.',
  clauses: ['DAE-EVT-2'],
  members: [
    {
      kind: 'property',
      name: 'item',
      type: 'Download',
      readonly: true,
      summary: 'The download whose state changed.',
      clauses: [],
    },
    {
      kind: 'property',
      name: 'state',
      type: 'DaeState',
      readonly: true,
      summary: 'The new state of the download.',
      clauses: ['DAE-STATE-1'],
    },
    {
      kind: 'property',
      name: 'reason',
      type: 'DaeReason | undefined',
      readonly: true,
      summary: 'The failure reason when `state` is 8, else `undefined`.',
      clauses: ['DAE-STATE-2'],
    },
  ],
};

const DOWNLOAD_PARAM = (what: string): DaeParam => ({ name: 'download', type: 'Download', doc: what });

/** DAE 7.4.3 `application/oipfDownloadManager` (the RESERVE_* constants are added from machines/oipf/constants.ts). */
export const DOWNLOAD_MANAGER: DaeApiInterface = {
  name: 'OipfDownloadManager',
  summary:
    'The `application/oipfDownloadManager` embedded object (DAE 7.4.3): manages the downloads of trusted applications; an OITF that has it announces `manageDownloads` other than "none".',
  clauses: ['DAE-SEC-1', 'DAE-CAP-1'],
  members: [
    {
      kind: 'property',
      name: 'onDownloadStateChange',
      type: '((item: Download, state: DaeState, reason: DaeReason | undefined) => void) | null',
      readonly: false,
      summary:
        'Called when the state of a download changes, with the download, its new state and the reason.',
      clauses: ['DAE-EVT-1', 'DAE-PRIO-1'],
    },
    {
      kind: 'property',
      name: 'discInfo',
      type: 'DiscInfo',
      readonly: true,
      summary: 'Information about the status of the local storage device.',
      clauses: ['DAE-PROP-2'],
    },
    {
      kind: 'property',
      name: 'hasReserved',
      type: 'number',
      readonly: true,
      summary:
        "The size in megabytes of the current reservation of the calling application's organisation, otherwise -1.",
      clauses: ['DAE-PROP-1'],
    },
    {
      kind: 'property',
      name: 'allocated',
      type: 'number',
      readonly: true,
      summary:
        "The megabytes of the calling application's organisation's reservation in use by its downloads, otherwise -1.",
      clauses: ['DAE-PROP-1'],
    },
    {
      kind: 'method',
      name: 'pause',
      params: [DOWNLOAD_PARAM('The download to be paused.')],
      returns: 'boolean',
      summary: 'Pauses an in-progress, queued or stalled download and returns true.',
      clauses: ['DAE-PAUSE-1', 'DAE-PAUSE-2', 'DAE-PAUSE-3'],
    },
    {
      kind: 'method',
      name: 'resume',
      params: [DOWNLOAD_PARAM('The download to be resumed.')],
      returns: 'boolean',
      summary: 'Resumes a paused download.',
      clauses: ['DAE-RESUME-1'],
    },
    {
      kind: 'method',
      name: 'remove',
      params: [DOWNLOAD_PARAM('The download to be deleted.')],
      returns: 'boolean',
      summary: 'Removes the download and any data and media content associated with it.',
      clauses: ['DAE-REMOVE-1', 'DAE-REMOVE-2', 'DAE-REMOVE-3'],
    },
    {
      kind: 'method',
      name: 'getDownloads',
      params: [
        {
          name: 'id',
          type: 'string | null',
          optional: true,
          doc: 'The `Download.id` to look for; null or absent: every download in scope.',
        },
      ],
      returns: 'DownloadCollection | null',
      summary:
        'Returns the downloads whose `id` is the given one, within the scope of the `manageDownloads` capability.',
      clauses: ['DAE-GET-1', 'DAE-GET-2', 'DAE-GET-3'],
    },
    {
      kind: 'method',
      name: 'createFilteredList',
      params: [
        {
          name: 'currentDomain',
          type: 'boolean | undefined',
          doc: 'true: only from the FQDN of the calling document; false: only from other FQDNs; undefined: any.',
        },
        {
          name: 'states',
          type: 'number',
          doc: 'The sum of the `DOWNLOAD_*` state values to include.',
        },
      ],
      returns: 'DownloadCollection',
      summary: 'Returns the subset of the managed downloads from the given domains and in the given states.',
      clauses: ['DAE-FILTER-1', 'DAE-FILTER-2', 'DAE-FILTER-3', 'DAE-FILTER-4'],
    },
    {
      kind: 'method',
      name: 'updateRegisteredDownload',
      params: [
        DOWNLOAD_PARAM('The download object to be updated.'),
        { name: 'newURL', type: 'string', doc: 'The new URL from which the content can be retrieved.' },
      ],
      returns: 'boolean',
      summary: 'Updates the URL used for every future retrieval of the download.',
      clauses: ['DAE-UPDATE-1', 'DAE-UPDATE-2', 'DAE-UPDATE-3', 'DAE-UPDATE-4', 'DAE-UPDATE-5'],
    },
    {
      kind: 'method',
      name: 'reserve',
      params: [
        { name: 'bytes', type: 'number', doc: 'The number of bytes to reserve; 0 cancels the reservation.' },
      ],
      returns: 'ReserveResult',
      summary:
        "Requests (or adjusts) a reservation of space for the downloads of the calling application's organisation; returns a RESERVE_* constant.",
      clauses: [
        'DAE-RESERVE-1',
        'DAE-RESERVE-2',
        'DAE-RESERVE-3',
        'DAE-RESERVE-4',
        'DAE-RESERVE-5',
        'DAE-RESERVE-6',
        'DAE-RESERVE-7',
        'HBB-RESERVE-1',
      ],
    },
  ],
};

/** DAE 7.4.1 `application/oipfDownloadTrigger`. */
export const DOWNLOAD_TRIGGER: DaeApiInterface = {
  name: 'OipfDownloadTrigger',
  summary:
    'The `application/oipfDownloadTrigger` embedded object (DAE 7.4.1): registers downloads for trusted applications.',
  clauses: ['DAE-SEC-1'],
  members: [
    {
      kind: 'method',
      name: 'registerDownload',
      params: [
        {
          name: 'contentAccessDownloadDescriptor',
          type: 'string',
          doc: 'The Content Access Download Descriptor (XML) listing the downloads.',
        },
        {
          name: 'downloadStart',
          type: 'Date | null',
          optional: true,
          doc: 'When to start; ignored by HbbTV terminals.',
        },
      ],
      returns: 'string | undefined',
      summary:
        'Registers the downloads the descriptor lists; returns the download id, or `undefined` when refused.',
      clauses: ['DAE-STATE-1'],
    },
    {
      kind: 'method',
      name: 'registerDownloadURL',
      params: [
        {
          name: 'URL',
          type: 'string',
          doc: 'The URL of the content, or of its Content Access Download Descriptor.',
        },
        {
          name: 'contentType',
          type: 'string',
          doc: 'The content type; `application/vnd.oipf.ContentAccessDownload+xml` for a descriptor.',
        },
        {
          name: 'downloadStart',
          type: 'Date | null',
          optional: true,
          doc: 'When to start; ignored by HbbTV terminals.',
        },
        {
          name: 'priority',
          type: 'number',
          optional: true,
          doc: 'HbbTV A.2.19: a larger number is a higher priority; default 0.',
        },
      ],
      returns: 'string | undefined',
      summary:
        'Registers one download; returns its id at once, or `undefined` when refused (e.g. an unsupported content type).',
      clauses: ['DAE-STATE-1', 'DAE-GET-2', 'DAE-PRIO-1'],
    },
    {
      kind: 'method',
      name: 'checkDownloadPossible',
      params: [{ name: 'sizeInBytes', type: 'number', doc: 'The size of the intended download, in bytes.' }],
      returns: 'boolean',
      summary:
        "Whether that many bytes could be downloaded now (free space plus the caller's reservation; in HbbTV flagged items count as free).",
      clauses: ['DAE-RESERVE-5'],
    },
  ],
};

/** Every DAE interface of `oipf-dae.d.ts`, in the order it declares them. */
export const DAE_API: readonly DaeApiInterface[] = [
  DOWNLOAD_MANAGER,
  DOWNLOAD_TRIGGER,
  DOWNLOAD,
  DOWNLOAD_COLLECTION,
  DISC_INFO,
  DOWNLOAD_STATE_CHANGE_EVENT,
];
