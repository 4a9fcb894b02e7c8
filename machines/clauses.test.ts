import { describe, expect, it } from 'vitest';
import { clausesInTitle, verifies } from '../property-tests/verifies.js';
import { CLAUSE_IDS, CLAUSES, type ClauseId, clause, clausesFor, isClauseId } from './clauses.js';

describe('clause registry', () => {
  it('holds the 81 catalogue ids, each once', () => {
    expect(CLAUSE_IDS).toHaveLength(81);
    expect(new Set(CLAUSE_IDS).size).toBe(81);
    expect(CLAUSE_IDS.filter((id) => id.startsWith('DL-'))).toHaveLength(43);
    expect(CLAUSE_IDS.filter((id) => id.startsWith('DAE-'))).toHaveLength(35);
    expect(CLAUSE_IDS.filter((id) => id.startsWith('HBB-'))).toHaveLength(3);
  });

  it('is frozen all the way down', () => {
    expect(Object.isFrozen(CLAUSES)).toBe(true);
    expect(CLAUSES.every((c) => Object.isFrozen(c) && Object.isFrozen(c.sides))).toBe(true);
    expect(() => (CLAUSES as Array<unknown>).push({})).toThrow();
  });

  it('records strength, side, seed and decisions', () => {
    expect(clause('DL-PR-1')).toMatchObject({ strength: 'SHOULD', sides: ['server'] });
    expect(clause('DAE-PRIO-1').strength).toBe('MAY');
    expect(clause('DL-DD-1').seed).toBe('dlota-dd.md');
    expect(clause('HBB-FDP-1').seed).toBe('001_ff052c3abd187bdd.txt');
    expect(clause('DL-EX-B6').note).toMatch(/bytes=1034-25431/);
    expect(clause('DAE-PROP-1').note).toMatch(/hasReserved/);
    expect(clausesFor('manager')).toHaveLength(38);
  });

  it('rejects misspelt ids at run time too', () => {
    expect(isClauseId('DL-PR-9')).toBe(true);
    expect(isClauseId('DL-PR-13')).toBe(false);
    // @ts-expect-error — a misspelt id is a compile error
    const bad: ClauseId = 'DL-PR-99';
    expect(isClauseId(bad)).toBe(false);
  });

  it('lets tests declare and the coverage report collect clause ids', () => {
    const title = verifies(['DL-PR-9', 'DL-PR-8'], 'resume request');
    expect(title).toBe('[DL-PR-9 DL-PR-8] resume request');
    expect(clausesInTitle(`suite > ${title} [NOT-AN-ID]`)).toEqual(['DL-PR-9', 'DL-PR-8']);
  });
});
