import type { Command } from 'commander';
import { describeMachine, type MachineDescription } from '../../machines/describe.js';
import type { MachineEntry } from '../../machines/registry.js';
import { CliExit, type CliIo } from './io.js';

/** Where `machines` finds the machines; tests pass fixtures. */
export type MachineSource = () => Promise<readonly MachineEntry[]>;

const registry: MachineSource = async () => (await import('../../machines/registry.js')).MACHINES;

/** A readable outline: each state indented under its parent, its transitions under it. */
export function outline(entry: Pick<MachineEntry, 'id' | 'name' | 'file'>, d: MachineDescription): string {
  const lines = [`${entry.id}: ${entry.name} (${entry.file})`, `  machine ${d.id}, initial ${d.initial}`];
  const depthOf = (id: string) => (id === '' ? 0 : id.split('.').length);
  const transitionLine = (t: MachineDescription['transitions'][number], pad: string) => {
    const event = t.event === '' ? '(always)' : t.event;
    const guard = t.guard ? ` [${t.guard}]` : '';
    const target = t.targets.length > 0 ? ` → ${t.targets.join(', ')}` : ' (no target)';
    const actions = t.actions.length > 0 ? ` / ${t.actions.join(', ')}` : '';
    const clauses = t.clauses.length > 0 ? `  {${t.clauses.join(' ')}}` : '';
    return `${pad}${event}${guard}${target}${actions}${clauses}`;
  };
  for (const t of d.transitions.filter((x) => x.source === '')) lines.push(transitionLine(t, '    '));
  for (const s of d.states) {
    const pad = '  '.repeat(depthOf(s.id));
    const kind = s.type === 'atomic' ? '' : ` (${s.type}${s.initial ? `, initial ${s.initial}` : ''})`;
    const clauses = s.clauses.length > 0 ? `  {${s.clauses.join(' ')}}` : '';
    const entryActions = s.entry.length > 0 ? `  entry: ${s.entry.join(', ')}` : '';
    const description = s.description ? ` — ${s.description}` : '';
    lines.push(`${pad}${s.key}${kind}${description}${entryActions}${clauses}`);
    for (const t of d.transitions.filter((x) => x.source === s.id))
      lines.push(transitionLine(t, `${pad}    `));
  }
  return `${lines.join('\n')}\n`;
}

/** `dlstate machines [--json] [--machine <id>]`: prints each registered machine's states and transitions. */
export function registerMachinesCommand(
  program: Command,
  io: CliIo,
  machines: MachineSource = registry,
): void {
  program
    .command('machines')
    .description('print every registered machine: states, transitions, guards, actions and clause ids')
    .option('--json', 'print JSON (an array of { id, name, file, definition })')
    .option('--machine <id>', 'only this machine (its registry id)')
    .action(async (opts: { json?: boolean; machine?: string }) => {
      const all = await machines();
      const list = opts.machine ? all.filter((m) => m.id === opts.machine) : all;
      if (opts.machine && list.length === 0) {
        io.err(
          `unknown machine ${opts.machine}; known: ${all.map((m) => m.id).join(', ') || '(none registered)'}\n`,
        );
        throw new CliExit(1);
      }
      const described = list.map((m) => ({
        id: m.id,
        name: m.name,
        file: m.file,
        definition: describeMachine(m.machine),
      }));
      if (opts.json) {
        io.out(`${JSON.stringify(described, null, 2)}\n`);
        return;
      }
      if (described.length === 0) {
        io.out('no machines registered (see machines/registry.ts)\n');
        return;
      }
      io.out(described.map((m) => outline(m, m.definition)).join('\n'));
    });
}
