/**
 * Emits `generated/constants.ts`: `as const` tables and their union types, taken from the machines' own
 * registries (clause ids; status codes, DAE states/reasons and RESERVE_* values once those modules exist),
 * so application code can use them without importing the machines.
 *
 * @module
 */
import { IndentationText, NewLineKind, Project, QuoteKind } from 'ts-morph';
import { CLAUSE_IDS } from '../../machines/clauses.js';
import { STATUS_OUTCOMES, STATUS_TABLE } from '../../machines/dlota/status.js';
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

/**
 * DAE download states, failure reasons and RESERVE_* results from `machines/oipf/constants.ts`.
 *
 * TODO(lead): wire once `machines/oipf/constants.ts` exists: one table each for `DOWNLOAD_STATES`
 * (key `value`), `FAILURE_REASONS` (key `value`) and `RESERVE_RESULTS` (key `name`), mapped from its
 * frozen tables exactly as above. Returning no table keeps `constants.ts` honest meanwhile.
 */
export function oipfTables(): readonly ConstantTable[] {
  return [];
}

/** Every constant table the registries provide today. */
export function loadConstantTables(): ConstantTables {
  const status = statusCodeTable();
  return { tables: [clauseIdTable(), ...(status ? [status] : []), ...oipfTables()] };
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
      const cells = Object.entries(value).map(([k, v]) => `    ${propertyKey(k)}: ${literal(v)},`);
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
  const todo = [
    '// TODO(lead): status codes (machines/dlota) and DAE states, reasons and RESERVE_* values',
    '// (machines/oipf/constants.ts) are added by wiring the hooks in adapters/codegen/constants.ts.',
  ];
  const pending =
    statusCodeTable() === undefined || oipfTables().length === 0 ? `${todo.join('\n')}\n\n` : '';
  return normalizeText(`${lineCommentBanner(sources)}\n${pending}${file.getFullText()}`);
}
