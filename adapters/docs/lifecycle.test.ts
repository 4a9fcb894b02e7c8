import { describe, expect, it } from 'vitest';
import { describeMachine, type MachineDescription } from '../../machines/describe.js';
import { MACHINES } from '../../machines/registry.js';
import { verifies } from '../../property-tests/verifies.js';
import { lifecycleView, projectLifecycle } from './lifecycle.js';

const download = describeMachine(MACHINES.find((m) => m.id === 'oipf-download')!.machine);
const arrow = (l: ReturnType<typeof projectLifecycle>, from: number, to: number) =>
  l?.edges.find((e) => e.from === `n${from}` && e.to === `n${to}`)?.events.map((e) => e.label) ?? [];

describe('the DAE Figure 12 projected from the oipf-download chart', () => {
  const lifecycle = projectLifecycle(download);

  it(verifies('DAE-STATE-1', 'has exactly the six observable states 1/2/4/8/16/32, starting at 16'), () => {
    expect(lifecycle?.states.map((s) => s.number)).toEqual([1, 2, 4, 8, 16, 32]);
    expect(lifecycle?.initial).toBe(16);
    expect(lifecycleView(lifecycle!).nodes.map((n) => n.id)).toEqual(['n1', 'n2', 'n4', 'n8', 'n16', 'n32']);
  });

  it(
    verifies(
      'DAE-STATE-2',
      'lists the reasons of state 8 (0–4), each from the failed sub-state reporting it',
    ),
    () => {
      const failed = lifecycle?.states.find((s) => s.number === 8);
      expect(failed?.chartState).toBe('failed');
      expect(failed?.reasons.map((r) => [r.reason, r.state])).toEqual([
        [0, 'failed.storageFull'],
        [1, 'failed.cannotDownload'],
        [2, 'failed.notAvailable'],
        [3, 'failed.invalid'],
        [4, 'failed.other'],
      ]);
    },
  );

  it(
    verifies(
      'DAE-EVT-1',
      'draws the changes an application is told about, and not a change it is not told about',
    ),
    () => {
      expect(arrow(lifecycle, 16, 2)).toContain('SCHEDULER.START');
      expect(arrow(lifecycle, 2, 4)).toEqual(expect.arrayContaining(['APP.PAUSE', 'SCHEDULER.PREEMPT']));
      expect(arrow(lifecycle, 2, 1)).toContain('TRANSFER.VERIFIED');
      expect(arrow(lifecycle, 2, 32)).toContain('TRANSFER.FAILED');
      // pause() on a download the OITF paused moves paused.byScheduler → paused.byApp inside `paused`: no event.
      expect(lifecycle?.repeats.flatMap((e) => e.events.map((x) => x.label))).not.toContain('APP.PAUSE');
      expect(arrow(lifecycle, 4, 4)).toEqual([]);
      // Every arrow's rows are transitions of the chart whose event it names.
      for (const edge of lifecycle?.edges ?? []) {
        for (const ev of edge.events)
          for (const row of ev.rows) expect(download.transitions[row]?.event || 'always').toBe(ev.label);
      }
    },
  );

  it('follows the chart: a transition added to it appears, nothing is hard-coded', () => {
    const completed = download.transitions.find((t) => t.targets.includes('completed'))!;
    const grown: MachineDescription = {
      ...download,
      transitions: [
        ...download.transitions,
        { ...completed, source: 'completed', event: 'APP.REQUEUE', targets: ['queued'], order: 900 },
      ],
    };
    expect(arrow(projectLifecycle(grown), 1, 16)).toEqual(['APP.REQUEUE']);
    expect(arrow(lifecycle, 1, 16)).toEqual([]);
  });

  it('is absent for a chart that reports no observable state', () => {
    expect(
      projectLifecycle(describeMachine(MACHINES.find((m) => m.id === 'dlota')!.machine)),
    ).toBeUndefined();
  });
});
