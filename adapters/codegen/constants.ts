/**
 * Emits `generated/constants.ts`: `as const` tables and their union types, taken from the machines' own
 * registries (clause ids, DLOTA status codes, DAE download states and failure reasons, RESERVE_* results,
 * download-manager permissions and `manageDownloads` values), so application code can use them without
 * importing the machines.
 *
 * @module
 */
import { IndentationText, NewLineKind, Project, QuoteKind } from 'ts-morph';
import { CLAUSE_IDS } from '../../machines/clauses.js';
import { STATUS_OUTCOMES, STATUS_TABLE } from '../../machines/dlota/status.js';
import {
  DOWNLOAD_STATES,
  FAILURE_REASONS,
  MANAGE_DOWNLOADS_VALUES,
  PERMISSIONS,
  RESERVE_RESULTS,
} from '../../machines/oipf/constants.js';
import { MACHINES } from '../../machines/registry.js';
import { lineCommentBanner, normalizeText } from './banner.js';

/** A scalar cell of a constant table. */
export type ConstantValue = string | number | boolean | null;

/** One `as const` table to emit, with the union type derived from it. */
export interface ConstantTable {
  /** Repo-relative module that owns the data (named in the banner). */
  readonly source: string;
  /** Exported const name, e.g. `STATUS_CODES`. */
  readonly name: string;
  /** Exported union type name, e.g. `StatusCode`. */
  readonly typeName: string;
  /** One-sentence JSDoc for the const. */
  readonly doc: string;
  /** Scalars (the type is their union) or records (the type is the union of the {@link ConstantTable.key} field). */
  readonly values: readonly string[] | readonly number[] | readonly Readonly<Record<string, ConstantValue>>[];
  /** For record rows: the field whose values make the union type. */
  readonly key?: string;
}

/** Every table `constants.ts` holds, in the order they are emitted. */
export interface ConstantTables {
  readonly tables: readonly ConstantTable[];
}

/** The clause ids of `machines/clauses.ts`, in catalogue order. */
export function clauseIdTable(): ConstantTable {
  return {
    source: 'machines/clauses.ts',
    name: 'CLAUSE_IDS',
    typeName: 'ClauseId',
    doc: 'Every clause id of the registry, in catalogue order.',
    values: [...CLAUSE_IDS],
  };
}

/**
 * The machine ids of `machines/registry.ts`, in its order: what `dlstate inspect --machine` accepts, known
 * without loading the machines.
 */
export function machineIdTable(): ConstantTable {
  return {
    source: 'machines/registry.ts',
    name: 'MACHINE_IDS',
    typeName: 'MachineId',
    doc: 'The id of every machine of the project (`machines/registry.ts`), in the order the CLI lists them.',
    values: MACHINES.map((m) => m.id),
  };
}

/** Status codes of the DLOTA status table (outcome, seed code, deployed code, report text, temporary). */
export function statusCodeTable(): ConstantTable {
  return {
    source: 'machines/dlota/status.ts',
    name: 'STATUS_CODES',
    typeName: 'StatusCode',
    key: 'code',
    doc: 'OMA DLOTA status codes: the seed numbering (`code`), the deployed one where it differs (`deployedCode`, 955 for Media Object Updated) and the exact report text.',
    values: STATUS_OUTCOMES.map((outcome) => {
      const entry = STATUS_TABLE[outcome];
      return {
        outcome,
        code: entry.code,
        deployedCode: entry.deployedCode ?? entry.code,
        text: entry.text,
        temporary: entry.temporary,
      };
    }),
  };
}

/** `{ NAME: { value, meaning } }` (a frozen table of machines/oipf/constants.ts) as `{ name, value, meaning }` rows. */
function namedRows(
  table: Readonly<Record<string, { readonly value: number; readonly meaning: string }>>,
): Readonly<Record<string, ConstantValue>>[] {
  return Object.entries(table).map(([name, row]) => ({ name, value: row.value, meaning: row.meaning }));
}

const OIPF_SOURCE = 'machines/oipf/constants.ts';

/**
 * DAE download states (DAE-STATE-1), failure reasons (DAE-STATE-2), RESERVE_* results (DAE-RESERVE-7),
 * download-manager permissions (DAE 10.1.4) and `manageDownloads` values (DAE-CAP-1), from the frozen
 * tables of `machines/oipf/constants.ts`; numeric tables are unioned by `value` so they type what the DAE
 * objects return (`Download.state`, `reserve()`), the named ones by their name.
 */
export function oipfTables(): readonly ConstantTable[] {
  return [
    {
      source: OIPF_SOURCE,
      name: 'DOWNLOAD_STATES',
      typeName: 'DaeState',
      key: 'value',
      doc: 'OIPF DAE `Download.state` values (DAE-STATE-1): the constant name seen on Download, its value and meaning.',
      values: namedRows(DOWNLOAD_STATES),
    },
    {
      source: OIPF_SOURCE,
      name: 'FAILURE_REASONS',
      typeName: 'DaeReason',
      key: 'value',
      doc: 'OIPF DAE failure reasons, defined only with state 8 (DAE-STATE-2); names as seen in one implementation.',
      values: namedRows(FAILURE_REASONS),
    },
    {
      source: OIPF_SOURCE,
      name: 'RESERVE_RESULTS',
      typeName: 'ReserveResult',
      key: 'value',
      doc: 'Results of `reserve()` (DAE-RESERVE-7); the seed gives no numbers, ours are 0…6 in the order it lists them.',
      values: namedRows(RESERVE_RESULTS),
    },
    {
      source: OIPF_SOURCE,
      name: 'PERMISSIONS',
      typeName: 'Permission',
      key: 'name',
      doc: 'Download-manager permissions of DAE 10.1.4 and the scope each grants (the widest one wins).',
      values: Object.entries(PERMISSIONS).map(([name, row]) => ({
        name,
        scope: row.scope,
        meaning: row.meaning,
      })),
    },
    {
      source: OIPF_SOURCE,
      name: 'MANAGE_DOWNLOADS_VALUES',
      typeName: 'ManageDownloads',
      key: 'value',
      doc: 'Values of the `manageDownloads` attribute of `<download>` in the capability description (DAE-CAP-1); ours.',
      values: Object.entries(MANAGE_DOWNLOADS_VALUES).map(([value, meaning]) => ({ value, meaning })),
    },
  ];
}

/** Every constant table the registries provide, in the order `constants.ts` emits them. */
export function loadConstantTables(): ConstantTables {
  return { tables: [clauseIdTable(), statusCodeTable(), ...oipfTables(), machineIdTable()] };
}

/** A TypeScript literal with single quotes (the repo's style). */
function literal(value: ConstantValue): string {
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return String(value);
}

function propertyKey(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : literal(key);
}

/** The widest line Biome keeps (biome.json `lineWidth`): the layout below matches its formatter. */
const LINE_WIDTH = 110;

function rowText(value: ConstantValue | Readonly<Record<string, ConstantValue>>): string {
  if (value !== null && typeof value === 'object') {
    const cells = Object.entries(value).map(([k, v]) => `${propertyKey(k)}: ${literal(v)}`);
    return `{ ${cells.join(', ')} }`;
  }
  return literal(value);
}

/**
 * `export const NAME = [ … ] as const;` laid out as Biome formats it: on one line when it fits, else one
 * row per line, and a record row that does not fit on its line one field per line.
 */
function arrayStatement(table: ConstantTable): string {
  const rows = (table.values as readonly (ConstantValue | Readonly<Record<string, ConstantValue>>)[]).map(
    rowText,
  );
  const head = `export const ${table.name} = [`;
  const oneLine = `${head}${rows.join(', ')}] as const;`;
  if (oneLine.length <= LINE_WIDTH) return oneLine;
  const lines = (table.values as readonly (ConstantValue | Readonly<Record<string, ConstantValue>>)[]).map(
    (value, i) => {
      const line = `  ${rows[i]},`;
      if (line.length <= LINE_WIDTH || value === null || typeof value !== 'object') return line;
      // A cell too long for its line moves its value to the next line, as Biome does.
      const cells = Object.entries(value).map(([k, v]) => {
        const cell = `    ${propertyKey(k)}: ${literal(v)},`;
        return cell.length <= LINE_WIDTH ? cell : `    ${propertyKey(k)}:\n      ${literal(v)},`;
      });
      return ['  {', ...cells, '  },'].join('\n');
    },
  );
  return [head, ...lines, '] as const;'].join('\n');
}

/** The `constants.ts` text. */
export function renderConstants(input: ConstantTables): string {
  const project = new Project({
    useInMemoryFileSystem: true,
    manipulationSettings: {
      quoteKind: QuoteKind.Single,
      indentationText: IndentationText.TwoSpaces,
      newLineKind: NewLineKind.LineFeed,
    },
  });
  const file = project.createSourceFile('/constants.ts', '');
  const blocks = input.tables.map((table) => {
    const union = table.key
      ? `(typeof ${table.name})[number][${literal(table.key)}]`
      : `(typeof ${table.name})[number]`;
    return [
      `/** ${table.doc} */`,
      arrayStatement(table),
      '',
      `/** One value of {@link ${table.name}}. */`,
      `export type ${table.typeName} = ${union};`,
    ].join('\n');
  });
  file.addStatements(blocks.join('\n\n'));
  const sources = [...new Set(input.tables.map((t) => t.source))].sort();
  return normalizeText(`${lineCommentBanner(sources)}\n${file.getFullText()}`);
}
