/**
 * The one list of the project's machines: `dlstate machines` prints them and `npm run generate` renders
 * ports, transition tables, SCXML and diagrams for each. Adding a machine here is all the generator needs.
 *
 * @module
 */
import type { AnyStateMachine } from 'xstate';
import { dlotaMachine } from './dlota/index.js';
import { oipfDownloadMachine, oipfManagerMachine } from './oipf/index.js';

/** One registered machine and where its chart and its effect/event types are written. */
export interface MachineEntry {
  /** Short id used for file names and `--machine` (`dlota` → `generated/dlota.port.ts`, port `DlotaPort`). */
  readonly id: string;
  /** Human name shown by `dlstate machines`. */
  readonly name: string;
  /** Repo-relative path of the `*.machine.ts` file that authors the chart. */
  readonly file: string;
  /** The machine itself. */
  readonly machine: AnyStateMachine;
  /** Repo-relative path of the `*.types.ts` file declaring the effects interface and the event union. */
  readonly typesFile: string;
  /** Name of the `<Name>Effects` interface in {@link MachineEntry.typesFile} (one member per effect action). */
  readonly effectsInterface: string;
}

/**
 * Every machine of the project, in the order the CLI lists them.
 *
 * Empty until the machines land (issues 3 and 4). The lead adds, for example:
 * ```ts
 * import { dlotaMachine } from './dlota/index.js';
import { oipfDownloadMachine, oipfManagerMachine } from './oipf/index.js';
 * import { oipfDownloadMachine, oipfManagerMachine } from './oipf/index.js';
 * { id: 'dlota', name: 'OMA DLOTA 2.0 download agent', file: 'machines/dlota/download.machine.ts',
 *   machine: dlotaMachine, typesFile: 'machines/dlota/download.types.ts', effectsInterface: 'DownloadEffects' },
 * ```
 * `npm run generate -- --check` fails while a `machines/*\/*.machine.ts` file is not listed here.
 */
export const MACHINES: readonly MachineEntry[] = Object.freeze([
  {
    id: 'dlota',
    name: 'OMA DLOTA 2.0 download agent',
    file: 'machines/dlota/download.machine.ts',
    machine: dlotaMachine,
    typesFile: 'machines/dlota/download.types.ts',
    effectsInterface: 'DownloadEffects',
  },
  {
    id: 'oipf-download',
    name: 'OIPF DAE download lifecycle',
    file: 'machines/oipf/download.machine.ts',
    machine: oipfDownloadMachine,
    typesFile: 'machines/oipf/download.types.ts',
    effectsInterface: 'OipfDownloadEffects',
  },
  {
    id: 'oipf-manager',
    name: 'OIPF DAE download manager (HbbTV profile)',
    file: 'machines/oipf/manager.machine.ts',
    machine: oipfManagerMachine,
    typesFile: 'machines/oipf/manager.types.ts',
    effectsInterface: 'OipfManagerEffects',
  },
]);
