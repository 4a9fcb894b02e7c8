import { describe, expect, it } from 'vitest';
import { verifies } from '../property-tests/verifies.js';
import { main } from './hbbtv-download.js';

describe('examples/hbbtv-download', () => {
  it(
    verifies(
      ['HBB-PROFILE-1', 'DAE-EVT-2', 'DAE-FILTER-1'],
      'the HbbTV-style application downloads a file and lists it as completed',
    ),
    async () => {
      const result = await main();
      expect(result.finalState).toBe(1);
      expect(result.reason).toBeUndefined();
      expect(result.states).toEqual([16, 2, 1]);
      expect(result.completedNames).toEqual(['episode.mp4']);
    },
  );
});
