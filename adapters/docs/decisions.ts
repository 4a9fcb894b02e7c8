/**
 * Editor's notes that belong to no single clause: our decisions where the seeds or the public sources leave
 * the answer open. Clause-level notes live in the registry (`note` in `machines/clauses.ts`); these restate the
 * remaining "ours" decisions of the project's spec notes so the docs never read anything outside the repo.
 *
 * @module
 */
import type { ClauseId } from '../../machines/clauses.js';

/** Which specification a decision belongs to. */
export type DecisionSpec = 'dlota' | 'oipf';

/** One editor's note not tied to a single clause. */
export interface Decision {
  readonly spec: DecisionSpec;
  /** A short heading. */
  readonly title: string;
  /** The decision, one or two sentences. */
  readonly text: string;
  /** Clauses the decision touches, if any. */
  readonly clauses: readonly ClauseId[];
}

/** The project's decisions beyond the clause notes, by specification. */
export const DECISIONS: readonly Decision[] = Object.freeze([
  {
    spec: 'dlota',
    title: 'Alternative servers',
    text: 'Several `<server>` elements under `objectURI` are alternatives for the same object; the ETag rule is per object, not per server. The parser keeps them all in order; the agent requests the first (trying the others on connection failure is not implemented yet).',
    clauses: ['DL-PR-3'],
  },
  {
    spec: 'dlota',
    title: 'Descriptor limits',
    text: 'A descriptor is at most 1 MiB, with at most 64 products, 256 media objects, 4 KiB per text field and elements nested at most 32 deep (so parsing stays linear); a larger one is rejected as 906 "Invalid descriptor".',
    clauses: ['DL-DD-2'],
  },
  {
    spec: 'dlota',
    title: 'Empty media objects',
    text: 'A DD `size` must be a positive integer, so a 0-byte file cannot be described: the reference server answers its `/dd/<name>` with 409 and says why, instead of serving a descriptor every agent must reject as 906.',
    clauses: ['DL-DD-2'],
  },
  {
    spec: 'dlota',
    title: 'DD version',
    text: 'A DDVersion whose major number is greater than 2 gives 951 "Invalid DDVersion"; a DDVersion that does not parse gives 906.',
    clauses: ['DL-DD-3'],
  },
  {
    spec: 'dlota',
    title: 'Co-delivery',
    text: 'A DD and its object co-delivered in one `multipart/related` response is optional for us and not implemented: DL-INST-3 is listed as not applicable in the coverage report, with that reason.',
    clauses: ['DL-INST-3'],
  },
  {
    spec: 'oipf',
    title: 'Start time',
    text: 'HbbTV terminals ignore `downloadStart`; we honour it: the download stays queued (16) until then.',
    clauses: [],
  },
  {
    spec: 'oipf',
    title: 'Content Access Download Descriptor subset',
    text: 'The CADD schema was not available: we accept a `ContentAccessDownloadDescriptor` root with `ContentItem` children (`ContentURL` required; `Title`, `Synopsis`, `ContentID`, `OriginSite`, `OriginSiteName`, `IconURL`, `TotalSize`, `TransferType`, optional `Checksum` and `ParentalRating`) and reject DOCTYPE and entities like the DD parser.',
    clauses: ['DAE-GET-2'],
  },
  {
    spec: 'oipf',
    title: 'Times in seconds',
    text: '`timeElapsed` and `timeRemaining` are whole seconds.',
    clauses: [],
  },
  {
    spec: 'oipf',
    title: 'Priority',
    text: '`priority` is not a DAE property; HbbTV passes it to `registerDownloadURL`. We expose it read-only: a larger number is a higher priority, 0 by default.',
    clauses: ['DAE-PRIO-1'],
  },
]);

/** The specification a registered machine belongs to, from its id (`dlota`, `oipf-download`, …). */
export function specOfMachine(machineId: string): DecisionSpec | undefined {
  if (machineId.startsWith('dlota')) return 'dlota';
  if (machineId.startsWith('oipf')) return 'oipf';
  return undefined;
}
