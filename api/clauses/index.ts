/**
 * `dlstate/clauses`: the clause registry — every normative statement of OMA DLOTA 2.0 and the OIPF DAE
 * download manager (HbbTV profile) with its id, strength, side and editor's note.
 *
 * @module
 */
export * from '../../machines/clauses.js';
