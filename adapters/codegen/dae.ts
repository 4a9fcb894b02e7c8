/**
 * Emits `generated/oipf-dae.d.ts`: the OIPF DAE download objects (`application/oipfDownloadManager`,
 * `application/oipfDownloadTrigger`), `Download`, `DownloadCollection`, `DiscInfo` and the
 * `DownloadStateChange` event as a browser application types them, with JSDoc carrying, per member, the
 * statement and id of every clause of the registry it implements. The API shape comes from
 * {@link DAE_API}; numbers and the HbbTV profile from `machines/oipf/constants.ts`.
 *
 * @module
 */
import { type ClauseId, clause } from '../../machines/clauses.js';
import {
  DOWNLOAD_STATES,
  FAILURE_REASONS,
  PROFILES,
  RESERVE_RESULTS,
} from '../../machines/oipf/constants.js';
import { lineCommentBanner, normalizeText, wrap } from './banner.js';
import {
  DAE_API,
  type DaeApiInterface,
  type DaeApiMember,
  DOWNLOAD_STATE_CONSTANTS_ON,
  RESERVE_CONSTANTS_ON,
} from './dae-api.js';

/** The sources named in the banner. */
export const DAE_SOURCES: readonly string[] = [
  'adapters/codegen/dae-api.ts',
  'machines/clauses.ts',
  'machines/oipf/constants.ts',
];

/** Biome's line width (biome.json). */
const LINE_WIDTH = 110;
/** Width of JSDoc text, as the other emitters wrap it. */
const DOC_WIDTH = 100;

/** A JSDoc block of paragraphs (each wrapped), indented by `indent`. */
function jsDoc(paragraphs: readonly (string | readonly string[])[], indent: string): string {
  const lines: string[] = [];
  for (const paragraph of paragraphs) {
    if (lines.length > 0) lines.push('');
    const parts = typeof paragraph === 'string' ? [paragraph] : paragraph;
    for (const part of parts) lines.push(...wrap(part, DOC_WIDTH - indent.length));
  }
  if (lines.length === 1 && `${indent}/** ${lines[0]} */`.length <= LINE_WIDTH) {
    return `${indent}/** ${lines[0]} */`;
  }
  return [`${indent}/**`, ...lines.map((l) => (l ? `${indent} * ${l}` : `${indent} *`)), `${indent} */`].join(
    '\n',
  );
}

/** `DAE-PAUSE-1: <statement>` per clause id. */
export function clauseLines(ids: readonly ClauseId[]): string[] {
  return ids.map((id) => `${id}: ${clause(id).statement}`);
}

/** The members the HbbTV profile removes (HBB-PROFILE-1), from the profile table. */
export function hbbtvAbsent(): readonly string[] {
  return PROFILES.hbbtv.removed;
}

function hbbtvNote(member: string): string | undefined {
  if (!hbbtvAbsent().includes(member as (typeof PROFILES.hbbtv.removed)[number])) return undefined;
  return `Absent in the HbbTV profile (HBB-PROFILE-1): test that it exists, or type the object as \`HbbtvDownloadManager\`, which omits it.`;
}

function memberDoc(owner: string, member: DaeApiMember): string {
  const paragraphs: (string | readonly string[])[] = [member.summary];
  if (member.clauses.length > 0) paragraphs.push(clauseLines(member.clauses));
  const note = owner === 'OipfDownloadManager' ? hbbtvNote(member.name) : undefined;
  if (note) paragraphs.push(note);
  // Tags last: a tag's text runs to the next tag or the end of the comment.
  if (member.kind === 'method') paragraphs.push(member.params.map((p) => `@param ${p.name} ${p.doc}`));
  return jsDoc(paragraphs, '  ');
}

/** A signature line, broken one parameter per line (as Biome does) when it does not fit. */
function signature(head: string, params: readonly string[], tail: string, indent = '  '): string {
  const line = `${indent}${head}(${params.join(', ')})${tail}`;
  if (line.length <= LINE_WIDTH) return line;
  return [`${indent}${head}(`, ...params.map((p) => `${indent}  ${p},`), `${indent})${tail}`].join('\n');
}

function memberText(owner: string, member: DaeApiMember): string {
  const doc = memberDoc(owner, member);
  if (member.kind === 'property') {
    return `${doc}\n  ${member.readonly ? 'readonly ' : ''}${member.name}: ${member.type};`;
  }
  const params = member.params.map((p) => `${p.name}${p.optional ? '?' : ''}: ${p.type}`);
  return `${doc}\n${signature(member.name, params, `: ${member.returns};`)}`;
}

/** `readonly NAME: value;` constants with their meaning, from a frozen `{ NAME: { value, meaning } }` table. */
function constantMembers(
  table: Readonly<Record<string, { readonly value: number; readonly meaning: string }>>,
  clauses: readonly ClauseId[],
): string[] {
  return Object.entries(table).map(
    ([name, row]) =>
      `${jsDoc([`${row.meaning} (${clauses.join(', ')})`], '  ')}\n  readonly ${name}: ${row.value};`,
  );
}

function union(values: readonly number[]): string {
  return [...values].sort((a, b) => a - b).join(' | ');
}

function valuesOf(table: Readonly<Record<string, { readonly value: number }>>): number[] {
  return Object.values(table).map((row) => row.value);
}

const EVENT_METHODS = (target: string, map: string): string[] => {
  const options = 'options?: boolean | AddEventListenerOptions';
  const typed = (name: string, opts: string) =>
    signature(
      `${name}<K extends keyof ${map}>`,
      ['type: K', `listener: (this: ${target}, ev: ${map}[K]) => void`, opts],
      ': void;',
    );
  const plain = (name: string, opts: string) =>
    signature(name, ['type: string', 'listener: EventListenerOrEventListenerObject | null', opts], ': void;');
  return [
    [
      jsDoc(
        [
          'Listens for `DownloadStateChange`, dispatched to this object itself; `useCapture` is ignored.',
          clauseLines(['DAE-EVT-2']),
        ],
        '  ',
      ),
      typed('addEventListener', options),
      plain('addEventListener', options),
    ].join('\n'),
    [
      jsDoc(['Removes a listener added with `addEventListener`.'], '  '),
      typed('removeEventListener', 'options?: boolean | EventListenerOptions'),
      plain('removeEventListener', 'options?: boolean | EventListenerOptions'),
    ].join('\n'),
  ];
};

function interfaceText(api: DaeApiInterface, heritage: string, extra: readonly string[] = []): string {
  const head = [api.summary, ...(api.clauses.length > 0 ? [clauseLines(api.clauses)] : [])];
  const members = [...api.members.map((m) => memberText(api.name, m)), ...extra];
  const body = members.length > 0 ? `{\n${members.join('\n')}\n}` : '{}';
  return `${jsDoc(head, '')}\nexport interface ${api.name}${heritage} ${body}`;
}

/** `export type Name = Generic<A, B>;`, one argument per line (as Biome breaks it) when it does not fit. */
function typeAlias(name: string, generic: string, args: readonly string[]): string {
  const line = `export type ${name} = ${generic}<${args.join(', ')}>;`;
  if (line.length <= LINE_WIDTH) return line;
  return `export type ${name} = ${generic}<\n${args.map((a) => `  ${a}`).join(',\n')}\n>;`;
}

function api(name: string): DaeApiInterface {
  const found = DAE_API.find((a) => a.name === name);
  if (!found) throw new Error(`dae-api.ts has no ${name}`);
  return found;
}

/** The `oipf-dae.d.ts` text. */
export function renderDaeTypings(): string {
  const removed = hbbtvAbsent()
    .map((m) => `'${m}'`)
    .join(' | ');
  const blocks = [
    jsDoc(
      [
        'OIPF DAE content download APIs as a browser application uses them: get the objects from `<object type="application/oipfDownloadManager">` and `<object type="application/oipfDownloadTrigger">` elements and type them as `OipfDownloadManagerElement` / `OipfDownloadTriggerElement` (or `HbbtvDownloadManagerElement` on an HbbTV terminal).',
        'Type-only: this file declares no values.',
      ],
      '',
    ),
    `${jsDoc(['A `Download.state` value (DAE-STATE-1).'], '')}\nexport type DaeState = ${union(valuesOf(DOWNLOAD_STATES))};`,
    `${jsDoc(['A `Download.reason` value, defined only with state 8 (DAE-STATE-2).'], '')}\nexport type DaeReason = ${union(valuesOf(FAILURE_REASONS))};`,
    `${jsDoc(['A `reserve()` result, one of the RESERVE_* constants (DAE-RESERVE-7).'], '')}\nexport type ReserveResult = ${union(valuesOf(RESERVE_RESULTS))};`,
    [
      jsDoc(['A DAE collection: `length`, `item(index)` and array-style indexing.'], ''),
      'export interface DaeCollection<T> {',
      '  /** How many items the collection holds. */',
      '  readonly length: number;',
      '  /** The item at `index` (0-based), or `undefined` past the end. */',
      '  item(index: number): T | undefined;',
      '  readonly [index: number]: T;',
      '}',
    ].join('\n'),
    interfaceText(api(DOWNLOAD_STATE_CONSTANTS_ON), '', constantMembers(DOWNLOAD_STATES, ['DAE-STATE-1'])),
    interfaceText(api('DownloadCollection'), ' extends DaeCollection<Download>'),
    interfaceText(api('DiscInfo'), ''),
    interfaceText(api('DownloadStateChangeEvent'), ' extends Event'),
    [
      jsDoc(['The events of `OipfDownloadManager`, for `addEventListener`.'], ''),
      'export interface OipfDownloadManagerEventMap {',
      '  /** A download changed state (DAE-EVT-2). */',
      '  DownloadStateChange: DownloadStateChangeEvent;',
      '}',
    ].join('\n'),
    interfaceText(api(RESERVE_CONSTANTS_ON), ' extends EventTarget', [
      ...constantMembers(RESERVE_RESULTS, ['DAE-RESERVE-7']),
      ...EVENT_METHODS('OipfDownloadManager', 'OipfDownloadManagerEventMap'),
    ]),
    interfaceText(api('OipfDownloadTrigger'), ' extends EventTarget'),
    `${jsDoc(
      [
        'The manager object of the HbbTV profile, which omits discInfo, updateRegisteredDownload, pause, resume and getDownloads.',
        clauseLines(['HBB-PROFILE-1']),
      ],
      '',
    )}\n${typeAlias('HbbtvDownloadManager', 'Omit', ['OipfDownloadManager', removed])}`,
    `${jsDoc(['The `<object type="application/oipfDownloadManager">` element; the DAE members come first so their overloads (addEventListener, remove) are chosen first.'], '')}\nexport type OipfDownloadManagerElement = OipfDownloadManager & HTMLObjectElement;`,
    `${jsDoc(['The `<object type="application/oipfDownloadManager">` element of an HbbTV terminal.'], '')}\nexport type HbbtvDownloadManagerElement = HbbtvDownloadManager & HTMLObjectElement;`,
    `${jsDoc(['The `<object type="application/oipfDownloadTrigger">` element.'], '')}\nexport type OipfDownloadTriggerElement = OipfDownloadTrigger & HTMLObjectElement;`,
    [
      jsDoc(['The object type of each MIME type, e.g. for a typed `createObject(type)` helper.'], ''),
      'export interface OipfDownloadObjects {',
      "  'application/oipfDownloadManager': OipfDownloadManagerElement;",
      "  'application/oipfDownloadTrigger': OipfDownloadTriggerElement;",
      '}',
    ].join('\n'),
  ];
  return normalizeText(`${lineCommentBanner(DAE_SOURCES)}\n${blocks.join('\n\n')}`);
}
