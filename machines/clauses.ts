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
    note: 'What counts as lost (our decision; the HTTP adapter reports it as CONNECTION.LOST): a reset or early close, a body silent for the stall timeout (30 s), a body slower than the minimum rate (1024 B/s averaged over 30 s, as curl --speed-limit/--speed-time; options change both), and a response whose framing is malformed or hostile (invalid chunk sizes or terminators, Content-Length with Transfer-Encoding, repeated lengths, obs-fold, too many or too long header fields).',
  },
  'DL-RET-5': {
    strength: 'MUST',
    sides: ['agent'],
    statement: 'User aborts retrieval → post 902 "User Cancelled".',
    seed: '000_9c658cd41b870032.txt',
    note: 'A user stop (Ctrl-C, `USER.PAUSE`) pauses when the retrieval can pause; when it cannot — no `Accept-Ranges: bytes`, or before the response headers — it is a user abort: 902, the bytes discarded (never 903, which means the connection was lost). `dlstate cancel` aborts a paused retrieval: 902 (DL-PR-6).',
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
    note: 'The reference server answers one satisfiable `bytes=` range with 206, and a request for several ranges with 200 and the whole object (RFC 9110 §14.2 lets a server ignore Range; a DLOTA agent never asks several, DL-PR-8), not `multipart/byteranges`. A range set that looks abusive (RFC 9110 §14.2 security considerations: more than 32 ranges, more than two overlapping ranges, more than 8 ranges out of ascending order) is refused with 416 (§15.5.17). HEAD answers exactly as GET without the body (§9.3.2).',
  },
  'DL-PR-3': {
    strength: 'MUST',
    sides: ['server'],
    statement: 'If the DD gives objectID and objectVersion, the response ETag is `objectID/objectVersion`.',
    seed: '000_9c658cd41b870032.txt',
    note: 'On the wire an entity-tag is a quoted string: the server sends `ETag: "objectID/objectVersion"`; the seed shows it unquoted (an erratum). A file name is not always legal inside an entity-tag (space, `"`, non-ASCII), so the reference server\'s objectID is the name with every byte outside printable-ASCII `etagc` and every `%` percent-encoded as UTF-8 (`my file.gif` → `my%20file.gif`, `图.gif` → `%E5%9B%BE.gif`); the DD carries that same encoded objectID, so the ETag is still exactly `objectID/objectVersion` of the DD. `dlstate conform server` judges the opaque value: quoted passes; the unquoted form passes DL-PR-3 but fails the SHOULD check of RFC 9110 §8.8.3 (entity-tag syntax); a weak `W/"…"` tag fails, since If-Match compares strongly and could never match it.',
  },
  'DL-PR-4': {
    strength: 'SHOULD',
    sides: ['agent'],
    statement:
      'On a lost or closed connection, the received range is kept if the server sent `Accept-Ranges: bytes`.',
    seed: '000_9c658cd41b870032.txt',
    note: "Temporary errors keep the range too: a resume answered 5xx, 408 or 429 pauses (cause `serverBusy`) and the machine requests a back-off timer — `resumeRetryMs` × 2^n, or the `Retry-After` when longer (delta-seconds, or an HTTP-date measured from the response's `Date`) — for at most `maxResumeRetries` retries (default 3); with none left, or a wait above `maxRetryWaitMs` (default 60 s), the retrieval stays paused and a later run resumes it. A refused or lost connection on a resume pauses likewise. A 416 means the object changed (its `*/N` names another length, DL-PR-10), except a 416 naming our own length with our validator, which contradicts itself and is treated as temporary. Never 954 + discard for any of these.",
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
    note: '"If the ETag is available" means a strong ETag: a weak one (`W/"…"`, Tomcat, Apache within the second) never goes in `If-Match` — strong comparison always fails, and an unchanged object would be answered 412 → 957. Without a strong ETag the resume carries `If-Unmodified-Since` with the kept `Last-Modified`; with neither validator it carries no precondition, and its 206 is never appended (DL-PR-11): the object is fetched again from byte 0. The risk left: a server whose `Last-Modified` does not change when the object does (one-second resolution, a replace within the same second, a copied mtime) can still mix versions when it has no strong ETag.',
  },
  'DL-PR-10': {
    strength: 'MUST',
    sides: ['agent'],
    statement:
      '412 on resume → post 957, discard the kept range, then fetch the new DD from updatedDDURI and start the update retrieval.',
    seed: '000_9c658cd41b870032.txt',
    note: "The object changed while paused when the resume is answered 412, a 206 with another validator (a server that ignores the precondition, e.g. lighttpd), or a 416 whose `Content-Range: bytes */N` names another length. With an updatedDDURI: 957, discard, the updated DD (this clause). Without one there is no update procedure to start: the kept range is discarded and the object fetched again from byte 0 (no 957), its new bytes checked against the DD (905 if they no longer fit). This also answers a DD 1.0: DLOTA 1.0 codes end at 954, so a DD 1.0 without updatedDDURI never reports 957; a DD 1.x that carries updatedDDURI (the seed's B.6 form) opted into the seed's procedure and does.",
  },
  'DL-PR-11': {
    strength: 'MUST',
    sides: ['agent'],
    statement:
      '206 on resume → append the received range to the kept one, then continue to installation and notification.',
    seed: '000_9c658cd41b870032.txt',
    note: "A 206 is appended only if its Content-Range starts at the kept offset and ends at the known length and it carries the kept range's validator (RFC 9110 §15.3.7.3): the same strong ETag by strong comparison, or, with no strong ETag kept, the same `Last-Modified`. Another validator → the object changed (DL-PR-10). No validator kept → never appended, GET from byte 0. A misfit or content-encoded 206 → 952, nothing corrupt kept. A 200 answer to a resume means the range was ignored: restart from byte 0, never append.",
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
    note: "The object stays unusable until a success report is delivered (DL-INST-2); an undelivered failure report stays queued and is retried a bounded number of times. Exactly-once (our decision): when the attempts of a 900 run out the object is discarded and the 900 is dropped, never queued, so no later run claims an installation that did not happen (the server, missing a report, counts an error). Once a 900 is accepted the agent first writes an install record (the paths the objects move to), then moves them, then removes it; a restart that finds the record finishes the moves and ends 900/installed without a second download or report. What remains: a crash after the server accepted the 900 and before the record is fsync'd makes the next run verify the kept object and post 900 again (one POST answer plus one atomic write wide).",
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
    note: "The descriptor's bytes are decoded per XML 1.0 §4.3.3 / Appendix F and RFC 7303: a byte order mark (UTF-8, UTF-16LE/BE) first, then the `charset` parameter of the media type, then the XML declaration's `encoding` (UTF-16 without a BOM is recognised by its first `<?`), else UTF-8; the labels are the WHATWG Encoding Standard's (`TextDecoder`: `ISO-8859-1` decodes as windows-1252, its superset). An encoding it does not know (UTF-32 too) or bytes not valid in the chosen one → 906 naming the encoding.",
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
    note: "The free space is compared with the bytes still to fetch: the product's size less the bytes of its objects already kept (journaled) in the state directory, so a resume needing 8 MiB of a 28 MiB object is not refused with 20 MiB free.",
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
  'DL-SRV-1': {
    strength: 'MUST',
    sides: ['server'],
    statement:
      'The media object response evaluates preconditions in RFC 9110 §13.2.2 order before Range: If-Match (strong) else If-Unmodified-Since → 412; If-None-Match (weak) → 304 for GET/HEAD; else If-Modified-Since → 304; `Last-Modified` is sent with the ETag.',
    seed: 'dlota-dd.md',
    note: "A date precondition that does not parse, or one on an object without a modification date, is ignored (RFC 9110 §13.1.3–4). Last-Modified is the file's mtime in whole seconds and is sent on 200, 206, 304, 412 and 416 alike.",
  },
  'DL-SRV-2': {
    strength: 'MUST',
    sides: ['server'],
    statement:
      'If-Range (RFC 9110 §13.1.5): the Range is honoured only when the validator is the current strong ETag or exactly the current Last-Modified date; otherwise the answer is 200 with the whole object.',
    seed: 'dlota-dd.md',
    note: 'A weak entity-tag or an unreadable value never holds. A date that equals Last-Modified holds even if the file changed twice within that second (RFC 9110 §8.8.2.2); the ETag (a content hash) is the safe validator and the one a DLOTA agent uses.',
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
    note: "Editor's note (a storage failure while verifying): the seed names no reason for a download whose content the OITF cannot check or keep (an I/O error reading, moving or syncing it). We fail it with reason 4 (other) and discard its bytes, as for a bad checksum, since nothing is known of them; the manager reports the error to its host (`onError`, else a process warning). A full device (ENOSPC, EDQUOT) is reason 0. Before this decision such a download waited in state 2 for ever.",
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
    note: 'A pre-empted download goes to paused (4, "paused automatically by the OITF") and is resumed automatically when a slot frees. A slot is a transfer (our decision; the seed does not bound concurrency): the manager\'s maxActive counts downloads in progress that are transferring, and stalled ones (they retry). A download whose bytes have all arrived and are being verified is still in progress (2) but holds no slot, so the next download starts while it is checked, and pre-emption never picks it (pausing a checksum frees no bandwidth); one resumed with every byte kept verifies again at once, slot or not.',
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
    note: "Pause during verification (our decision; the seed has no verifying state): a download whose bytes have all arrived and are being checked is still in progress (2), so pause() returns true (DAE-PAUSE-1) and cancels the verification — the checksum read is aborted, nothing is committed — and the download is paused (4) keeping every byte (the download machine does the same when pre-empted there, although the manager's scheduler never pre-empts a verifying download: it holds no slot, DAE-PRIO-1 note). Each verification carries a generation, and a result of a cancelled one (an earlier generation) is ignored. resume() (or the OITF resuming, after a restart, a download closed while verifying) runs only the verification again: no HTTP request, nothing is missing.",
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
    note: '`resume()` when every slot is taken by higher-priority downloads returns true; the download goes to queued (16) and starts when a slot frees (DAE-PRIO-1). A download paused while verifying resumes by verifying again, without a transfer (DAE-PAUSE-2 note).',
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
    note: "Integrity across URLs (a mirror): the old URL's ETag is dropped, so the first retrieval from a different URL sends Range without If-Match; its 206 is appended only when its total size (Content-Range) equals the known one, else the download fails with reason 3; the new URL's ETag is then kept and guards every later resume with If-Match; a CADD checksum, when given, verifies the whole object at the end. A same-size different object at the mirror is not detectable before that checksum: the trade-off of continuing from the last byte.",
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
    note: 'True only when the manager can act: a download the caller may touch, not completed, and a new URL that is absolute http or https; any other string (empty, relative, another scheme) returns false and changes nothing.',
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
    note: 'RESERVE_SMALLER_THAN_USED answers only a shrink of an existing reservation. A first or growing reservation is granted when it covers the bytes the organisation already holds on disk (downloads needing more fail as they grow, DAE-RESERVE-5); below that it is refused as RESERVE_UNKNOWN, the seed having no closer code.',
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
