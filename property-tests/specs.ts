/**
 * The model spec of every machine the model-based tests walk, by registry id. A machine registered in
 * `machines/registry.ts` without a spec here has no model paths, so the coverage report lists every one
 * of its transitions as untaken.
 *
 * @module
 */
import { DLOTA_MODEL } from './dlota/dlota.model.js';
import { OIPF_DOWNLOAD_MODEL, OIPF_MANAGER_MODEL } from './oipf/oipf.model.js';
import type { ModelSpec } from './paths.js';

/** Model specs by machine id (`dlota`, `oipf-download`, `oipf-manager`). */
export const MODEL_SPECS: Readonly<Record<string, ModelSpec>> = Object.freeze({
  [DLOTA_MODEL.machineId]: DLOTA_MODEL,
  [OIPF_DOWNLOAD_MODEL.machineId]: OIPF_DOWNLOAD_MODEL,
  [OIPF_MANAGER_MODEL.machineId]: OIPF_MANAGER_MODEL,
});
