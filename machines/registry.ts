/**
 * The one list of the project's machines: `dlstate machines` prints them and `npm run generate` renders
 * ports, transition tables, SCXML and diagrams for each. Adding a machine here is all the generator needs.
 *
 * @module
 */
import type { MachineEntry } from './describe.js';
import { dlotaMachine } from './dlota/index.js';
import { oipfDownloadMachine, oipfManagerMachine } from './oipf/index.js';
import { OIPF_MANAGER_ENQUEUES } from './oipf/manager.enqueues.js';

export type { MachineEntry } from './describe.js';

/**
 * Every machine of the project, in the order the CLI lists them.
 *
 * `npm run generate -- --check` fails while a `machines/*\/*.machine.ts` file is not listed here. A machine
 * that requests effects inside `enqueueActions` blocks names their declaration in `enqueues`.
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
    enqueues: OIPF_MANAGER_ENQUEUES,
  },
]);
