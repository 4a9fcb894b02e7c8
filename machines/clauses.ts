/**
 * The clause registry: every normative statement of the two seeds (and the wider OMA Download
 * facts we rely on), with a stable id. Machines name these ids in `meta`, tests name them in their
 * titles (see `property-tests/verifies.ts`), the docs render the matrix. A misspelt id is a compile
 * error because {@link ClauseId} is derived from this table.
 *
 * @module
 */

/** How binding a clause is: MUST/SHALL, SHOULD, MAY; EXAMPLE for an informative test vector. */
export type Strength = 'MUST' | 'SHOULD' | 'MAY' | 'EXAMPLE';

/** Who a clause binds: the download agent, the download server, the installing device or the OITF download manager. */
export type Side = 'agent' | 'server' | 'device' | 'manager';

/** Every side, in the order the registry lists them. */
export const SIDES: readonly Side[] = Object.freeze(['agent', 'server', 'device', 'manager']);

/** The seed (or fact file) a clause comes from. */
export type Seed = '000_9c658cd41b870032.txt' | '001_ff052c3abd187bdd.txt' | 'dlota-dd.md';

interface ClauseEntry {
  readonly strength: Strength;
  readonly sides: readonly Side[];
  readonly statement: string;
  readonly seed: Seed;
  /** Our decision where the seed is ambiguous: rendered as an editor's note in the docs. */
  readonly note?: string;
}

const TABLE = {
  'DL-STATUS-957': {
    strength: 'MUST',
    sides: ['agent'],
    statement:
      'Status code 957 "Media Object Updated" exists: the download was cancelled because the media object changed on the server.',
    seed: '000_9c658cd41b870032.txt',
    note: 'The seed numbers "Media Object Updated" 957; deployed implementations (Symbian, Samsung FOTA) send 955. The agent sends 957 by default and 955 with the `deployed` numbering option.',
  },
  'DL-RET-1': {
    strength: 'MUST',
    sides: ['agent'],
    statement: 'Retrieval uses the scheme of the ObjectURI; HTTP must be supported, HTTPS may be.',
    seed: '000_9c658cd41b870032.txt',
  },
  'DL-RET-2': {
    strength: 'MUST',
    sides: ['agent'],
    statement:
      'The request is for exactly the ObjectURI of the descriptor; extra request headers are allowed.',
    seed: '000_9c658cd41b870032.txt',
  },
  'DL-RET-3': {
    strength: 'MUST',
    sides: ['agent'],
    statement: 'Object does not exist (e.g. 404/410) → post status 954 "Loader Error".',
    seed: '000_9c658cd41b870032.txt',
  },
  'DL-RET-4': {
    strength: 'MUST',
    sides: ['agent'],
    statement:
      'Connection lost during retrieval → post 903 "Loss of Service", unless agent and server both support pause/resume (DL-PR-*), in which case the retrieval is paused instead.',
    seed: '000_9c658cd41b870032.txt',
  },
  'DL-RET-5': {
    strength: 'MUST',
    sides: ['agent'],
    statement: 'User aborts retrieval → post 902 "User Cancelled".',
    seed: '000_9c658cd41b870032.txt',
  },
  'DL-PR-1': {
    strength: 'SHOULD',
    sides: ['server'],
    statement: 'A server should support pause/resume via HTTP byte ranges.',
    seed: '000_9c658cd41b870032.txt',
  },
  'DL-PR-2': {
    strength: 'MUST',
    sides: ['server'],
    statement: 'A server that supports it says so with `Accept-Ranges: bytes` on the media object response.',
    seed: '000_9c658cd41b870032.txt',
  },
  'DL-PR-3': {
    strength: 'MUST',
    sides: ['server'],
    statement: 'If the DD gives objectID and objectVersion, the response ETag is `objectID/objectVersion`.',
    seed: '000_9c658cd41b870032.txt',
    note: 'On the wire an entity-tag is a quoted string: the server sends `ETag: "objectID/objectVersion"`; the seed shows it unquoted (an erratum).',
  },
  'DL-PR-4': {
    strength: 'SHOULD',
    sides: ['agent'],
    statement:
      'On a lost or closed connection, the received range is kept if the server sent `Accept-Ranges: bytes`.',
    seed: '000_9c658cd41b870032.txt',
  },
  'DL-PR-5': {
    strength: 'MUST',
    sides: ['agent'],
    statement:
      'The kept range is stored on the device but is not available to the user until the rest is downloaded and the object installed.',
    seed: '000_9c658cd41b870032.txt',
  },
  'DL-PR-6': {
    strength: 'MUST',
    sides: ['agent'],
    statement: 'Cancelling a paused retrieval (user or agent) → post 902 "User Cancelled".',
    seed: '000_9c658cd41b870032.txt',
  },
  'DL-PR-7': {
    strength: 'MUST',
    sides: ['agent'],
    statement:
      'Resume = a new GET to the ObjectURI whose `Range` asks for exactly the bytes not yet received.',
    seed: '000_9c658cd41b870032.txt',
    note: '"The remaining content range" is `bytes=<kept>-<size-1>` (or `bytes=<kept>-` when the length is unknown): one range either way (DL-PR-8).',
  },
  'DL-PR-8': {
    strength: 'MUST',
    sides: ['agent'],
    statement: 'At most one content range per request (never a multi-range request).',
    seed: '000_9c658cd41b870032.txt',
  },
  'DL-PR-9': {
    strength: 'MUST',
    sides: ['agent'],
    statement:
      'The resume request carries `If-Match` with the ETag of the paused retrieval, when an ETag was given.',
    seed: '000_9c658cd41b870032.txt',
  },
  'DL-PR-10': {
    strength: 'MUST',
    sides: ['agent'],
    statement:
      '412 on resume → post 957, discard the kept range, then fetch the new DD from updatedDDURI and start the update retrieval.',
    seed: '000_9c658cd41b870032.txt',
  },
  'DL-PR-11': {
    strength: 'MUST',
    sides: ['agent'],
    statement:
      '206 on resume → append the received range to the kept one, then continue to installation and notification.',
    seed: '000_9c658cd41b870032.txt',
    note: 'A 206 is appended only if its Content-Range starts at the kept offset and ends at the known length; otherwise nothing is appended (952, nothing corrupt). A 200 answer to a resume means the range was ignored: restart from byte 0, never append.',
  },
  'DL-PR-12': {
    strength: 'MUST',
    sides: ['agent'],
    statement: 'Never resume unless the server exposed `Accept-Ranges: bytes`.',
    seed: '000_9c658cd41b870032.txt',
  },
  'DL-INST-1': {
    strength: 'MUST',
    sides: ['device'],
    statement:
      'No InstallNotifyURI → the use case ends when installation completes; the object is then usable.',
    seed: '000_9c658cd41b870032.txt',
  },
  'DL-INST-2': {
    strength: 'MUST',
    sides: ['device'],
    statement:
      'With InstallNotifyURI → two phases: pre-install without allowing use, then make usable only if the notification step succeeds.',
    seed: '000_9c658cd41b870032.txt',
  },
  'DL-INST-3': {
    strength: 'MUST',
    sides: ['device'],
    statement: 'The two phases apply also when DD and object are co-delivered.',
    seed: '000_9c658cd41b870032.txt',
  },
  'DL-INST-4': {
    strength: 'MUST',
    sides: ['device'],
    statement: 'With InstallNotifyURI, the outcome is always reported as a status report.',
    seed: '000_9c658cd41b870032.txt',
  },
  'DL-INST-5': {
    strength: 'MUST',
    sides: ['device'],
    statement: 'Installed → 900 "Success".',
    seed: '000_9c658cd41b870032.txt',
  },
  'DL-INST-6': {
    strength: 'MUST',
    sides: ['device'],
    statement: 'User cancelled before the notification was sent → 902 "User Cancelled".',
    seed: '000_9c658cd41b870032.txt',
  },
  'DL-INST-7': {
    strength: 'MUST',
    sides: ['device'],
    statement: 'Installation failed for lack of memory → 901 "Insufficient Memory".',
    seed: '000_9c658cd41b870032.txt',
  },
  'DL-INST-8': {
    strength: 'MUST',
    sides: ['device'],
    statement: 'Installation failed for another reason independent of the user → 952 "Device Aborted".',
    seed: '000_9c658cd41b870032.txt',
  },
  'DL-INST-9': {
    strength: 'MUST',
    sides: ['device'],
    statement:
      'Object rejected at once because it cannot be rendered/executed → 953 "Non-Acceptable Content".',
    seed: '000_9c658cd41b870032.txt',
  },
  'DL-INST-10': {
    strength: 'MUST',
    sides: ['device'],
    statement: 'Object conflicts with DD attributes (type, size…) → 905 "Attribute Mismatch".',
    seed: '000_9c658cd41b870032.txt',
  },
  'DL-INST-11': {
    strength: 'MUST',
    sides: ['device'],
    statement:
      'On every error report the object is discarded — except a temporary error (901, 903) when pause/resume is supported: then the kept range stays for a later resume.',
    seed: '000_9c658cd41b870032.txt',
  },
  'DL-INST-12': {
    strength: 'MUST',
    sides: ['device'],
    statement:
      'A failure stays a failure even when its status report cannot be delivered (a missing report means error to the server).',
    seed: '000_9c658cd41b870032.txt',
    note: 'The object stays unusable until a success report is delivered (DL-INST-2); the undelivered report stays queued and is retried a bounded number of times.',
  },
  'DL-EX-B6': {
    strength: 'EXAMPLE',
    sides: ['agent', 'server'],
    statement:
      'Example B.6 as a test vector: 25 432-byte GIF, connection lost after 1 034 bytes, resume asks bytes 1034–25431 with If-Match; 206 with `Content-Range: bytes 1034-25431/25432`.',
    seed: '000_9c658cd41b870032.txt',
    note: 'B.6 writes `Range: 1034-25431`; valid HTTP is `Range: bytes=1034-25431`. The agent sends the valid form; the reference server accepts only valid forms and says so in its error.',
  },
  'DL-DD-1': {
    strength: 'MUST',
    sides: ['agent'],
    statement:
      'DD 1.0 (`application/vnd.oma.dd+xml`) and DD 2.0 (`application/vnd.oma.dd2+xml`, `urn:oma:xml:dl:dd:2.0`) are both parsed.',
    seed: 'dlota-dd.md',
  },
  'DL-DD-2': {
    strength: 'MUST',
    sides: ['agent'],
    statement:
      'A DD with a syntax error or without a mandatory element (type, size, objectURI) → 906 Invalid descriptor.',
    seed: 'dlota-dd.md',
  },
  'DL-DD-3': {
    strength: 'MUST',
    sides: ['agent'],
    statement: 'A DD whose major DDVersion is not supported → 951 Invalid DDVersion.',
    seed: 'dlota-dd.md',
  },
  'DL-DD-4': {
    strength: 'MUST',
    sides: ['agent'],
    statement: 'Unknown DD elements are ignored.',
    seed: 'dlota-dd.md',
  },
  'DL-DD-5': {
    strength: 'MUST',
    sides: ['agent'],
    statement: "A relative objectURI / installNotifyURI / updatedDDURI is resolved against the DD's URL.",
    seed: 'dlota-dd.md',
  },
  'DL-STEP-3': {
    strength: 'MUST',
    sides: ['agent'],
    statement: 'Before retrieval: not enough free space for `size` → 901.',
    seed: 'dlota-dd.md',
  },
  'DL-STEP-4': {
    strength: 'MUST',
    sides: ['agent'],
    statement: "Before retrieval: none of the DD's `type` values is supported → 953.",
    seed: 'dlota-dd.md',
  },
  'DL-STEP-5': {
    strength: 'MUST',
    sides: ['agent'],
    statement: 'User confirmation before retrieval unless the DD suppresses it; declined → 902.',
    seed: 'dlota-dd.md',
  },
  'DL-NOTIFY-1': {
    strength: 'MUST',
    sides: ['agent'],
    statement:
      'The status report is the code, a space and its text, POSTed to installNotifyURI; a 200 response means delivered.',
    seed: 'dlota-dd.md',
    note: "The report is POSTed as `text/plain`; the spec's retry rule was not available: ours is bounded retries with back-off, the pending report persisted for a later run.",
  },
  'DL-NEXT-1': {
    strength: 'MAY',
    sides: ['agent'],
    statement: 'nextURL is offered after the transaction, after success and after failure.',
    seed: 'dlota-dd.md',
  },
  'DAE-STATE-1': {
    strength: 'MUST',
    sides: ['manager'],
    statement:
      "A download's state is one of 1 completed, 2 in progress, 4 paused (by an app or by the OITF), 8 failed, 16 queued (not started), 32 stalled (transient failure, recovering).",
    seed: '001_ff052c3abd187bdd.txt',
    note: "The seed's Figure 12 is not in the text; the transitions we model are derived from the method rules, each justified by a clause. Stalled (32) retries on a bounded back-off, then fails with reason 4 unless a more specific reason is known.",
  },
  'DAE-STATE-2': {
    strength: 'MUST',
    sides: ['manager'],
    statement:
      'The reason is defined only for state 8: 0 storage full, 1 not downloadable (e.g. not purchased), 2 no longer available, 3 bad checksum or length, 4 other; otherwise it is `undefined`.',
    seed: '001_ff052c3abd187bdd.txt',
  },
  'DAE-EVT-1': {
    strength: 'MUST',
    sides: ['manager'],
    statement: 'Every state change calls `onDownloadStateChange(item, state, reason)`.',
    seed: '001_ff052c3abd187bdd.txt',
    note: "In a browser page (`dlstate manager serve-dae`) the page's objects answer every call at once from the machines' pure decisions on the page's view, and send the effect to the manager, which decides again in the application's scope; events come only from the manager. While the socket is down calls still answer from the view and their effects are queued (at most 1000) and replayed in order after reconnecting, each decided again by the manager (a different answer is recorded as a disagreement); no event fires while disconnected, and the reconnect's snapshot replaces the view without synthetic events for changes missed meanwhile.",
  },
  'DAE-EVT-2': {
    strength: 'MUST',
    sides: ['manager'],
    statement:
      "Every state change also dispatches a `DownloadStateChange` DOM event to the object itself (no bubbling, no capture, not cancellable; context item, state, reason); `addEventListener`'s useCapture is ignored.",
    seed: '001_ff052c3abd187bdd.txt',
  },
  'DAE-PRIO-1': {
    strength: 'MAY',
    sides: ['manager'],
    statement:
      'A newly registered download of higher priority may pre-empt in-progress ones: they pause or resume without application intervention (and the events say so).',
    seed: '001_ff052c3abd187bdd.txt',
    note: 'A pre-empted download goes to paused (4, "paused automatically by the OITF") and is resumed automatically when a slot frees.',
  },
  'DAE-PAUSE-1': {
    strength: 'MUST',
    sides: ['manager'],
    statement: '`pause()` on an in-progress, queued or stalled download returns true.',
    seed: '001_ff052c3abd187bdd.txt',
    note: '`pause()` on an already-paused download is not specified: we return true and fire no event.',
  },
  'DAE-PAUSE-2': {
    strength: 'MUST',
    sides: ['manager'],
    statement:
      'After pausing an in-progress download no more data is received; its HTTP request and socket are closed.',
    seed: '001_ff052c3abd187bdd.txt',
  },
  'DAE-PAUSE-3': {
    strength: 'MUST',
    sides: ['manager'],
    statement: '`pause()` on a completed or failed download returns false.',
    seed: '001_ff052c3abd187bdd.txt',
  },
  'DAE-RESUME-1': {
    strength: 'MUST',
    sides: ['manager'],
    statement: '`resume()` resumes a paused download (true); on any other state it returns false.',
    seed: '001_ff052c3abd187bdd.txt',
    note: '`resume()` when every slot is taken by higher-priority downloads returns true; the download goes to queued (16) and starts when a slot frees (DAE-PRIO-1).',
  },
  'DAE-REMOVE-1': {
    strength: 'MUST',
    sides: ['manager'],
    statement:
      '`remove()` deletes the download and all its data and content and returns true; false if the argument is not a valid download.',
    seed: '001_ff052c3abd187bdd.txt',
  },
  'DAE-REMOVE-2': {
    strength: 'MUST',
    sides: ['manager'],
    statement:
      'After removal every property of that Download object is `undefined`, and every later method call that passes it returns false.',
    seed: '001_ff052c3abd187bdd.txt',
  },
  'DAE-REMOVE-3': {
    strength: 'MUST',
    sides: ['manager'],
    statement:
      'An A/V control object playing the removed download goes to its error state 6 (we expose a hook; no player is in scope).',
    seed: '001_ff052c3abd187bdd.txt',
  },
  'DAE-GET-1': {
    strength: 'MUST',
    sides: ['manager'],
    statement:
      "`getDownloads(id)` returns the downloads whose `id` equals the argument, within the caller's manageDownloads scope (same application, same domain, or all).",
    seed: '001_ff052c3abd187bdd.txt',
  },
  'DAE-GET-2': {
    strength: 'MUST',
    sides: ['manager'],
    statement:
      'A download registered via `registerDownloadURL()` with content type `application/vnd.oipf.ContentAccessDownload+xml` is reported as `null` until its descriptor has been retrieved and parsed.',
    seed: '001_ff052c3abd187bdd.txt',
  },
  'DAE-GET-3': {
    strength: 'MUST',
    sides: ['manager'],
    statement: "`getDownloads()` / `getDownloads(null)` returns all downloads in the caller's scope.",
    seed: '001_ff052c3abd187bdd.txt',
  },
  'DAE-FILTER-1': {
    strength: 'MUST',
    sides: ['manager'],
    statement:
      "`createFilteredList(true, s)`: only downloads initiated from the caller's FQDN; with permission_downloadmanager only the caller application's own.",
    seed: '001_ff052c3abd187bdd.txt',
  },
  'DAE-FILTER-2': {
    strength: 'MUST',
    sides: ['manager'],
    statement:
      "`createFilteredList(false, s)`: only downloads not from the caller's FQDN; without permission_downloadmanager_all the result is empty.",
    seed: '001_ff052c3abd187bdd.txt',
  },
  'DAE-FILTER-3': {
    strength: 'MUST',
    sides: ['manager'],
    statement:
      "`createFilteredList(undefined, s)`: any domain; with permission_downloadmanager only the caller's own, with permission_downloadmanager_samedomain only the caller's FQDN.",
    seed: '001_ff052c3abd187bdd.txt',
  },
  'DAE-FILTER-4': {
    strength: 'MUST',
    sides: ['manager'],
    statement:
      '`states` is a sum (bit set) of state values; a download is listed only if its state is one of them.',
    seed: '001_ff052c3abd187bdd.txt',
  },
  'DAE-UPDATE-1': {
    strength: 'MUST',
    sides: ['manager'],
    statement: '`updateRegisteredDownload(d, url)`: every later retrieval uses the new URL.',
    seed: '001_ff052c3abd187bdd.txt',
  },
  'DAE-UPDATE-2': {
    strength: 'MUST',
    sides: ['manager'],
    statement:
      'In progress or paused → the current transfer stops, and continues from the last byte received.',
    seed: '001_ff052c3abd187bdd.txt',
    note: 'A paused download whose URL is updated stays paused; it continues from the last byte with the new URL when resumed.',
  },
  'DAE-UPDATE-3': {
    strength: 'MUST',
    sides: ['manager'],
    statement:
      'Failed (8) or stalled (32) → the download resumes from the last byte received, from the new URL.',
    seed: '001_ff052c3abd187bdd.txt',
  },
  'DAE-UPDATE-4': {
    strength: 'MUST',
    sides: ['manager'],
    statement: 'Queued (16) → nothing more until it is started or resumed.',
    seed: '001_ff052c3abd187bdd.txt',
  },
  'DAE-UPDATE-5': {
    strength: 'MUST',
    sides: ['manager'],
    statement: 'Completed (1) → returns false; every other case returns true.',
    seed: '001_ff052c3abd187bdd.txt',
  },
  'DAE-RESERVE-1': {
    strength: 'MUST',
    sides: ['manager'],
    statement:
      "`reserve(bytes)` asks for space for the caller's organisation; reservation is optional for downloads.",
    seed: '001_ff052c3abd187bdd.txt',
    note: '`reserve()` takes bytes while the properties report megabytes (1 MB = 1 048 576 bytes, rounded up).',
  },
  'DAE-RESERVE-2': {
    strength: 'MUST',
    sides: ['manager'],
    statement: 'A reservation that exists is adjusted to the new value.',
    seed: '001_ff052c3abd187bdd.txt',
  },
  'DAE-RESERVE-3': {
    strength: 'MUST',
    sides: ['manager'],
    statement:
      'Shrinking below what completed, in-progress and requested downloads of that organisation need is refused (RESERVE_SMALLER_THAN_USED).',
    seed: '001_ff052c3abd187bdd.txt',
  },
  'DAE-RESERVE-4': {
    strength: 'MAY',
    sides: ['manager'],
    statement: 'The OITF or user may cancel, shrink or expand a reservation at any time.',
    seed: '001_ff052c3abd187bdd.txt',
  },
  'DAE-RESERVE-5': {
    strength: 'MUST',
    sides: ['manager'],
    statement:
      "A granted reservation is available to that organisation's applications; using more than the reserved space fails.",
    seed: '001_ff052c3abd187bdd.txt',
  },
  'DAE-RESERVE-6': {
    strength: 'MUST',
    sides: ['manager'],
    statement: '`reserve(0)` cancels the reservation.',
    seed: '001_ff052c3abd187bdd.txt',
  },
  'DAE-RESERVE-7': {
    strength: 'MUST',
    sides: ['manager'],
    statement:
      'The result is one of RESERVE_OK, _NEVER, _USER_INTERVENTION_REQD (only with a platform storage UI; _TOO_LARGE wins if both apply), _USER_DECLINED, _TOO_LARGE, _SMALLER_THAN_USED, _UNKNOWN.',
    seed: '001_ff052c3abd187bdd.txt',
    note: 'The RESERVE_* numeric values are not in the seed: 0…6 in the order the seed lists them.',
  },
  'DAE-PROP-1': {
    strength: 'MUST',
    sides: ['manager'],
    statement:
      "`hasReserved` / `allocated`: the caller organisation's current reservation in megabytes, else -1.",
    seed: '001_ff052c3abd187bdd.txt',
    note: '`hasReserved` and `allocated` have identical text in the seed; we read `hasReserved` as the reservation and `allocated` as the part of it in use (both MB, -1 with no reservation).',
  },
  'DAE-PROP-2': {
    strength: 'MUST',
    sides: ['manager'],
    statement: '`discInfo` reports the storage device (free, total, reserved).',
    seed: '001_ff052c3abd187bdd.txt',
  },
  'DAE-CAP-1': {
    strength: 'MUST',
    sides: ['manager'],
    statement:
      'An OITF with these APIs announces `manageDownloads` ≠ "none" on `<download>` in its capability description.',
    seed: '001_ff052c3abd187bdd.txt',
    note: 'The manageDownloads value set is not in the seed: `none` | `initiator` | `samedomain` | `all`.',
  },
  'DAE-SEC-1': {
    strength: 'MUST',
    sides: ['manager'],
    statement: 'The object is for trusted applications only.',
    seed: '001_ff052c3abd187bdd.txt',
  },
  'HBB-RESERVE-1': {
    strength: 'MUST',
    sides: ['manager'],
    statement:
      'HbbTV A.2.18: a `reserve()` call whose result is not RESERVE_OK has no effect; any prior reservation is unchanged.',
    seed: '001_ff052c3abd187bdd.txt',
  },
  'HBB-PROFILE-1': {
    strength: 'MUST',
    sides: ['manager'],
    statement:
      'HbbTV profile: discInfo, updateRegisteredDownload, pause, resume and getDownloads are absent.',
    seed: '001_ff052c3abd187bdd.txt',
  },
  'HBB-FDP-1': {
    strength: 'MUST',
    sides: ['manager'],
    statement:
      'HbbTV: an FDP download that completed with errors is reported completed (1) when its discard_file_on_error_flag is 0.',
    seed: '001_ff052c3abd187bdd.txt',
  },
} as const satisfies Record<string, ClauseEntry>;

/** A clause id of the registry, e.g. 'DL-PR-9'; a misspelt id does not compile. */
export type ClauseId = keyof typeof TABLE;

/** One clause of the registry. */
export interface Clause extends ClauseEntry {
  readonly id: ClauseId;
}

function freezeClause(id: ClauseId): Clause {
  const entry: ClauseEntry = TABLE[id];
  return Object.freeze({ id, ...entry, sides: Object.freeze([...entry.sides]) });
}

/** Every clause, in catalogue order, frozen. */
export const CLAUSES: readonly Clause[] = Object.freeze((Object.keys(TABLE) as ClauseId[]).map(freezeClause));

/** Every clause id, in catalogue order. */
export const CLAUSE_IDS: readonly ClauseId[] = Object.freeze(CLAUSES.map((c) => c.id));

const BY_ID: ReadonlyMap<string, Clause> = new Map(CLAUSES.map((c) => [c.id, c]));

/** Whether a string is a clause id of the registry. */
export function isClauseId(id: string): id is ClauseId {
  return BY_ID.has(id);
}

/** The clause with this id. */
export function clause(id: ClauseId): Clause {
  return BY_ID.get(id)!;
}

/** The clauses that bind one side. */
export function clausesFor(side: Side): readonly Clause[] {
  return CLAUSES.filter((c) => c.sides.includes(side));
}

/** The `meta` a machine element (transition, state, guard) carries when it implements clauses. */
export interface ClauseMeta {
  readonly clauses: readonly ClauseId[];
}
