import { describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import {
  isTemporary,
  parseStatusLine,
  STATUS_OUTCOMES,
  STATUS_TABLE,
  statusCode,
  statusLine,
} from './status.js';

describe('status table', () => {
  it(
    verifies('DL-STATUS-957', '957 Media Object Updated by default, 955 with the deployed numbering'),
    () => {
      expect(statusLine('mediaObjectUpdated')).toBe('957 Media Object Updated');
      expect(statusLine('mediaObjectUpdated', 'seed')).toBe('957 Media Object Updated');
      expect(statusLine('mediaObjectUpdated', 'deployed')).toBe('955 Media Object Updated');
      expect(statusCode('success', 'deployed')).toBe(900);
    },
  );

  it(verifies('DL-NOTIFY-1', 'a report body is the code, one space and the text exactly as sent'), () => {
    expect(STATUS_OUTCOMES.map((o) => statusLine(o))).toEqual([
      '900 Success',
      '901 Insufficient memory',
      '902 User Cancelled',
      '903 Loss of Service',
      '905 Attribute mismatch',
      '906 Invalid descriptor',
      '951 Invalid DDVersion',
      '952 Device Aborted',
      '953 Non-Acceptable Content',
      '954 Loader Error',
      '957 Media Object Updated',
    ]);
  });

  it(verifies('DL-INST-11', 'only 901 and 903 are temporary'), () => {
    expect(STATUS_OUTCOMES.filter(isTemporary)).toEqual(['insufficientMemory', 'lossOfService']);
  });

  it('is frozen and codes are unique in each numbering', () => {
    expect(Object.isFrozen(STATUS_TABLE)).toBe(true);
    expect(Object.isFrozen(STATUS_TABLE.success)).toBe(true);
    for (const numbering of ['seed', 'deployed'] as const) {
      const codes = STATUS_OUTCOMES.map((o) => statusCode(o, numbering));
      expect(new Set(codes).size).toBe(codes.length);
    }
  });

  it(verifies('DL-NOTIFY-1', 'received reports are read by their leading three digits'), () => {
    expect(parseStatusLine('900 Success')).toEqual({ code: 900, outcome: 'success', text: 'Success' });
    expect(parseStatusLine('901 INSUFFICIENT MEMORY\r\n')).toMatchObject({
      code: 901,
      outcome: 'insufficientMemory',
    });
    expect(parseStatusLine('955 Media Object Updated', 'deployed')?.outcome).toBe('mediaObjectUpdated');
    expect(parseStatusLine('955 Media Object Updated')?.outcome).toBeUndefined();
    expect(parseStatusLine('999')).toEqual({ code: 999, text: '' });
    expect(parseStatusLine('9000 x')).toBeNull();
    expect(parseStatusLine('Success')).toBeNull();
  });
});
