import { type Command, Option } from 'commander';
import { CLAUSES, SIDES, type Side } from '../../machines/clauses.js';
import { clauseSource, sourceLabel } from '../../machines/sources.js';
import { type CliIo, formatTable } from './io.js';

/** The short source of a table row: `OMA DLOTA 2.0 §5.2.4.2`, `HbbTV A.2.18` (the JSON has the full label). */
function sourceCell(c: Parameters<typeof clauseSource>[0]): string {
  const s = clauseSource(c);
  return s.section ? `${s.spec} ${s.section}` : s.spec;
}

/** `dlstate clauses [--json] [--side S]`: prints the clause registry. */
export function registerClausesCommand(program: Command, io: CliIo): void {
  program
    .command('clauses')
    .description(
      'print the clause registry: every normative statement of OMA DLOTA 2.0 and the OIPF DAE download manager (HbbTV profile) with its id, strength and side',
    )
    .option('--json', 'print JSON (an array of clauses) instead of a table')
    .addOption(new Option('--side <side>', 'only the clauses that bind this side').choices([...SIDES]))
    .action((opts: { json?: boolean; side?: Side }) => {
      const side = opts.side;
      const list = side ? CLAUSES.filter((c) => c.sides.includes(side)) : CLAUSES;
      if (opts.json) {
        io.out(
          `${JSON.stringify(
            list.map((c) => ({ ...c, source: sourceLabel(c) })),
            null,
            2,
          )}\n`,
        );
        return;
      }
      const rows = list.map((c) => [
        c.id,
        c.strength,
        c.sides.join('+'),
        sourceCell(c),
        c.note ? `${c.statement} [note]` : c.statement,
      ]);
      io.out(formatTable(['id', 'strength', 'side', 'source', 'statement'], rows));
      io.out(
        `${list.length} clauses${side ? ` binding the ${side}` : ''}; [note] = an editor's note records our decision\n`,
      );
    });
}
