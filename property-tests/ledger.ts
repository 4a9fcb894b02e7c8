/**
 * The conformance ledger: MUST clauses that no passing test verifies yet, and machine transitions no
 * model path can take, each kept here with its reason so the coverage report (`npm run coverage:spec`)
 * lists them instead of dropping them. An entry that is no longer needed is reported as stale.
 *
 * @module
 */
import type { ClauseId } from '../machines/clauses.js';

/** MUST clauses excused from "verified by a passing test", with the reason and what will verify them. */
export const LEDGER: Readonly<Partial<Record<ClauseId, string>>> = Object.freeze({});

/**
 * Per machine id, transitions (by the key `paths.ts` `transitionKeys` gives, e.g.
 * `retrieving.paused NETWORK.BACK [resumeOnNetworkBack]`) that no model path can take, with the reason.
 */
export const LEDGER_TRANSITIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = Object.freeze(
  {},
);
