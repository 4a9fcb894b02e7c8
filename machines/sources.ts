/**
 * Where each clause comes from, named as a specification section a spec editor can look up
 * ("OMA DLOTA 2.0 §5.2.4.2 Pause and Resume Object Retrieval", "OIPF DAE §7.4.3.3", "HbbTV A.2.18") instead
 * of the seed file it was read from. The section numbers are the ones the seeds themselves give (seed 000
 * proposes §5.2, §5.2.4 step 5/step 7, §5.2.4.2 and example B.6 of DLOTA 2.0; seed 001 is OIPF DAE §7.4.3,
 * `application/oipfDownloadManager`, with its HbbTV profile), refined by `shared/spec/dae-download.md`'s
 * section list (7.4.3.2 events, 7.4.3.3 methods, 7.4.3.5 constants, 9.3.4 capabilities, 10.1 security).
 *
 * Pure data: no I/O.
 *
 * @module
 */
import type { Clause, Seed } from './clauses.js';

/** The specification family a clause belongs to (the docs filter by it). */
export type Spec = 'OMA DLOTA 2.0' | 'OMA Download' | 'OIPF DAE' | 'HbbTV';

/** A clause's source: the specification, its section, and a short title of that section. */
export interface ClauseSource {
  readonly spec: Spec;
  /** `§5.2.4.2`, `A.2.18`, `B.6`; empty when the source has no section number. */
  readonly section: string;
  readonly title: string;
  /** What the seed is, in words (`pause/resume contribution`). */
  readonly via: string;
}

/** What each seed is, in words. */
export const SEED_NAMES: Readonly<Record<Seed, string>> = Object.freeze({
  '000_9c658cd41b870032.txt': 'pause/resume contribution',
  '001_ff052c3abd187bdd.txt': 'DAE download manager section',
  'dlota-dd.md': 'facts from public implementations',
});

type Rule = readonly [RegExp, Omit<ClauseSource, 'via'>];

/** First match wins; ids are matched whole. */
const RULES: readonly Rule[] = [
  [/^DL-STATUS-/, { spec: 'OMA DLOTA 2.0', section: '§5.2', title: 'status codes' }],
  [/^DL-RET-/, { spec: 'OMA DLOTA 2.0', section: '§5.2.4', title: 'step 5, object retrieval' }],
  [/^DL-PR-/, { spec: 'OMA DLOTA 2.0', section: '§5.2.4.2', title: 'Pause and Resume Object Retrieval' }],
  [/^DL-INST-/, { spec: 'OMA DLOTA 2.0', section: '§5.2.4', title: 'step 7, installation' }],
  [
    /^DL-EX-B6$/,
    { spec: 'OMA DLOTA 2.0', section: 'B.6', title: 'Pause and Resume Media Retrieval (example)' },
  ],
  [/^DL-DD-/, { spec: 'OMA Download', section: '', title: 'download descriptor (DLOTA 1.0/2.0)' }],
  [/^DL-STEP-/, { spec: 'OMA Download', section: '', title: 'download steps before retrieval' }],
  [/^DL-NOTIFY-/, { spec: 'OMA Download', section: '', title: 'status report' }],
  [/^DL-NEXT-/, { spec: 'OMA Download', section: '', title: 'nextURL' }],
  [/^DAE-(STATE|EVT)-/, { spec: 'OIPF DAE', section: '§7.4.3.2', title: 'onDownloadStateChange, Figure 12' }],
  [/^DAE-PRIO-/, { spec: 'OIPF DAE', section: '§7.4.3', title: 'state diagram, pre-emption' }],
  [
    /^DAE-(PAUSE|RESUME|REMOVE|GET|FILTER|UPDATE|RESERVE)-/,
    { spec: 'OIPF DAE', section: '§7.4.3.3', title: 'methods' },
  ],
  [/^DAE-PROP-/, { spec: 'OIPF DAE', section: '§7.4.3.1', title: 'properties' }],
  [/^DAE-CAP-/, { spec: 'OIPF DAE', section: '§9.3.4', title: 'capabilities (manageDownloads)' }],
  [/^DAE-SEC-/, { spec: 'OIPF DAE', section: '§7.4.3', title: 'security: trusted' }],
  [/^HBB-RESERVE-/, { spec: 'HbbTV', section: 'A.2.18', title: 'reserve()' }],
  [/^HBB-PROFILE-/, { spec: 'HbbTV', section: 'A.2', title: 'support of the download manager' }],
  [/^HBB-FDP-/, { spec: 'HbbTV', section: 'A.2', title: 'FDP download completed with errors (H.4.2)' }],
];

/** A clause's source; an id no rule names falls back to its seed's specification. */
export function clauseSource(c: Pick<Clause, 'id' | 'seed'>): ClauseSource {
  const via = SEED_NAMES[c.seed];
  for (const [pattern, source] of RULES) if (pattern.test(c.id)) return { ...source, via };
  const spec: Spec =
    c.seed === '001_ff052c3abd187bdd.txt'
      ? 'OIPF DAE'
      : c.seed === 'dlota-dd.md'
        ? 'OMA Download'
        : 'OMA DLOTA 2.0';
  return { spec, section: '', title: 'unsectioned', via };
}

/** The source as one line: `OMA DLOTA 2.0 §5.2.4.2 Pause and Resume Object Retrieval (pause/resume contribution)`. */
export function sourceLabel(c: Pick<Clause, 'id' | 'seed'>): string {
  const s = clauseSource(c);
  return `${s.spec}${s.section ? ` ${s.section}` : ''} ${s.title} (${s.via})`;
}
