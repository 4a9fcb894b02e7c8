/**
 * The application the manager benches register downloads as: a portal that manages every download. Not the test
 * helpers' `ALL_APP`: importing test-support loads vitest (about 14 MB of RSS the benched manager does not carry).
 *
 * @module
 */
import type { ApplicationInfo } from '../oipf/dae-objects.js';

export const BENCH_PORTAL: ApplicationInfo = {
  id: 'portal',
  origin: 'portal.example',
  organisationId: 'operator',
  permissions: ['permission_downloadmanager_all'],
};
