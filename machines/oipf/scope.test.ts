import { describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import { DAE_STATE, type DaeState, type ManageDownloads, type Permission } from './constants.js';
import {
  createFilteredList,
  filterAdmits,
  filterNarrowing,
  getDownloads,
  mayTouch,
  narrowingAdmits,
  permissionScope,
  type ScopeApp,
  stateInSet,
  visibleNarrowing,
  visibleTo,
} from './scope.js';

interface D {
  id: string;
  appId: string;
  origin: string;
  state: DaeState;
  descriptorPending?: boolean;
}

const OWN: D = { id: 'own', appId: 'me', origin: 'a.tv', state: 2 };
const SIBLING: D = { id: 'sib', appId: 'sib', origin: 'a.tv', state: 4 };
const FOREIGN: D = { id: 'far', appId: 'far', origin: 'b.tv', state: 1 };
const ALL_DOWNLOADS = [OWN, SIBLING, FOREIGN];
const EVERY_STATE = 1 + 2 + 4 + 8 + 16 + 32;

const PERMISSION_OF: Record<string, Permission[]> = {
  own: ['permission_downloadmanager'],
  samedomain: ['permission_downloadmanager_samedomain'],
  all: ['permission_downloadmanager_all'],
  none: [],
};

function app(permissions: readonly Permission[], manageDownloads: ManageDownloads = 'all'): ScopeApp {
  return { id: 'me', origin: 'a.tv', permissions, manageDownloads };
}

const ids = (list: readonly D[] | null) => list?.map((d) => d.id) ?? null;

describe('scope rules', () => {
  const TABLE: [boolean | undefined, string, string[]][] = [
    [true, 'own', ['own']],
    [true, 'samedomain', ['own', 'sib']],
    [true, 'all', ['own', 'sib']],
    [true, 'none', []],
    [false, 'own', []],
    [false, 'samedomain', []],
    [false, 'all', ['far']],
    [false, 'none', []],
    [undefined, 'own', ['own']],
    [undefined, 'samedomain', ['own', 'sib']],
    [undefined, 'all', ['own', 'sib', 'far']],
    [undefined, 'none', []],
  ];
  const CLAUSE = { true: 'DAE-FILTER-1', false: 'DAE-FILTER-2', undefined: 'DAE-FILTER-3' } as const;

  for (const [currentDomain, permission, expected] of TABLE) {
    it(
      verifies(
        CLAUSE[String(currentDomain) as keyof typeof CLAUSE],
        `createFilteredList(${currentDomain}) with ${permission}: [${expected}]`,
      ),
      () => {
        const list = createFilteredList(
          app(PERMISSION_OF[permission]!),
          ALL_DOWNLOADS,
          currentDomain,
          EVERY_STATE,
        );
        expect(ids(list)).toEqual(expected);
      },
    );
  }

  it(verifies('DAE-FILTER-4', 'states is a bit set of state values'), () => {
    const all = app(PERMISSION_OF.all!);
    expect(
      ids(
        createFilteredList(
          all,
          ALL_DOWNLOADS,
          undefined,
          DAE_STATE.DOWNLOAD_IN_PROGRESS + DAE_STATE.DOWNLOAD_PAUSED,
        ),
      ),
    ).toEqual(['own', 'sib']);
    expect(ids(createFilteredList(all, ALL_DOWNLOADS, undefined, DAE_STATE.DOWNLOAD_COMPLETED))).toEqual([
      'far',
    ]);
    expect(ids(createFilteredList(all, ALL_DOWNLOADS, undefined, 0))).toEqual([]);
    expect(stateInSet(32, 16 + 32)).toBe(true);
    expect(stateInSet(8, 16 + 32)).toBe(false);
  });

  it(
    verifies(['DAE-GET-1', 'DAE-GET-3'], 'getDownloads is bounded by manageDownloads (and the permissions)'),
    () => {
      const wide = PERMISSION_OF.all!;
      expect(ids(getDownloads(app(wide, 'initiator'), ALL_DOWNLOADS))).toEqual(['own']);
      expect(ids(getDownloads(app(wide, 'samedomain'), ALL_DOWNLOADS, null))).toEqual(['own', 'sib']);
      expect(ids(getDownloads(app(wide, 'all'), ALL_DOWNLOADS))).toEqual(['own', 'sib', 'far']);
      expect(ids(getDownloads(app(wide, 'none'), ALL_DOWNLOADS))).toEqual([]);
      expect(ids(getDownloads(app(PERMISSION_OF.own!, 'all'), ALL_DOWNLOADS))).toEqual(['own']);
      expect(ids(getDownloads(app(wide, 'all'), ALL_DOWNLOADS, 'far'))).toEqual(['far']);
      expect(ids(getDownloads(app(wide, 'samedomain'), ALL_DOWNLOADS, 'far'))).toEqual([]);
      expect(visibleTo(app(wide, 'samedomain'), SIBLING)).toBe(true);
    },
  );

  it(
    verifies(
      'DAE-GET-2',
      'a CADD download is null for getDownloads(id) until parsed, and left out of the full list',
    ),
    () => {
      const pending: D = { ...OWN, id: 'cadd', descriptorPending: true };
      const a = app(PERMISSION_OF.all!);
      expect(getDownloads(a, [...ALL_DOWNLOADS, pending], 'cadd')).toBeNull();
      expect(ids(getDownloads(a, [...ALL_DOWNLOADS, pending]))).toEqual(['own', 'sib', 'far']);
      expect(ids(getDownloads(a, [{ ...pending, descriptorPending: false }], 'cadd'))).toEqual(['cadd']);
    },
  );

  it(
    verifies(
      'DAE-FILTER-3',
      'mayTouch: only what createFilteredList(undefined) would list; the widest permission wins',
    ),
    () => {
      expect(mayTouch(app(PERMISSION_OF.own!), SIBLING)).toBe(false);
      expect(mayTouch(app(PERMISSION_OF.samedomain!), SIBLING)).toBe(true);
      expect(mayTouch(app(PERMISSION_OF.samedomain!), FOREIGN)).toBe(false);
      expect(mayTouch(app([]), OWN)).toBe(false);
      expect(mayTouch(app(PERMISSION_OF.all!, 'none'), OWN)).toBe(false);
      expect(
        permissionScope(
          new Set<Permission>(['permission_downloadmanager', 'permission_downloadmanager_all']),
        ),
      ).toBe('all');
    },
  );

  it(
    verifies(
      ['DAE-FILTER-1', 'DAE-FILTER-2', 'DAE-FILTER-3', 'DAE-GET-1', 'DAE-GET-3'],
      'the narrowings a list resolves once decide exactly as filterAdmits and visibleTo, for every permission set, capability, currentDomain and download',
    ),
    () => {
      const permissions: Permission[] = [
        'permission_downloadmanager',
        'permission_downloadmanager_samedomain',
        'permission_downloadmanager_all',
      ];
      const subsets = [0, 1, 2, 3, 4, 5, 6, 7].map((bits) => permissions.filter((_, i) => bits & (1 << i)));
      const capabilities: ManageDownloads[] = ['none', 'initiator', 'samedomain', 'all'];
      const downloads = [...ALL_DOWNLOADS, { id: 'twin', appId: 'me', origin: 'b.tv', state: 8 as DaeState }];
      let compared = 0;
      for (const held of subsets) {
        for (const capability of capabilities) {
          const caller = app(held, capability);
          for (const d of downloads) {
            for (const currentDomain of [true, false, undefined]) {
              const why = `${held.join('+') || 'none'} / ${capability} / ${currentDomain} / ${d.id}`;
              expect(narrowingAdmits(filterNarrowing(caller, currentDomain), d), why).toBe(
                filterAdmits(caller, d, currentDomain),
              );
              compared += 1;
            }
            expect(narrowingAdmits(visibleNarrowing(caller), d), `${held} / ${capability} / ${d.id}`).toBe(
              visibleTo(caller, d),
            );
          }
        }
      }
      expect(compared).toBe(8 * 4 * 4 * 3);
    },
  );
});
