/**
 * The checks of `dlstate conform server`, by id: what each is called, the clauses (or RFC 9110 sections) it
 * stands on and its strength. The probes and judgements are in `server-checks.ts`.
 *
 * @module
 */
import type { CheckStrength } from './report.js';

/** One server check's identity. */
export interface CheckSpec {
  readonly id: string;
  readonly title: string;
  readonly clauses: readonly string[];
  readonly strength: CheckStrength;
}

/** Every server check, in the order the report lists them. */
export const CHECKS = {
  ddFetch: {
    id: 'dd.fetch',
    title: 'the descriptor is served (2xx)',
    clauses: ['DL-DD-1'],
    strength: 'MUST',
  },
  ddType: {
    id: 'dd.content-type',
    title: 'descriptor Content-Type is a DD media type',
    clauses: ['DL-DD-1'],
    strength: 'MUST',
  },
  ddValid: {
    id: 'dd.valid',
    title: 'the descriptor parses and validates',
    clauses: ['DL-DD-2', 'DL-DD-3'],
    strength: 'MUST',
  },
  objectUri: {
    id: 'dd.object-uri',
    title: 'objectURI (resolved against the DD URL) is reachable',
    clauses: ['DL-DD-5', 'DL-RET-2', 'DL-RET-3'],
    strength: 'MUST',
  },
  updatedDd: {
    id: 'dd.updated-dd-uri',
    title: 'updatedDDURI, when given, serves a valid descriptor',
    clauses: ['DL-DD-5', 'DL-PR-10'],
    strength: 'SHOULD',
  },
  acceptRanges: {
    id: 'media.accept-ranges',
    title: 'a server that serves ranges says Accept-Ranges: bytes',
    clauses: ['DL-PR-2'],
    strength: 'MUST',
  },
  rangeSupport: {
    id: 'media.range-support',
    title: 'pause/resume via byte ranges is supported',
    clauses: ['DL-PR-1'],
    strength: 'SHOULD',
  },
  etag: {
    id: 'media.etag',
    title: 'ETag is objectID/objectVersion',
    clauses: ['DL-PR-3'],
    strength: 'MUST',
  },
  etagSyntax: {
    id: 'media.etag-syntax',
    title: 'ETag is a quoted entity-tag',
    clauses: ['RFC 9110 §8.8.3'],
    strength: 'SHOULD',
  },
  contentLength: {
    id: 'media.content-length',
    title: 'Content-Length equals the DD size',
    clauses: ['DL-INST-10'],
    strength: 'MUST',
  },
  contentType: {
    id: 'media.content-type',
    title: 'Content-Type is one of the DD types',
    clauses: ['DL-INST-10'],
    strength: 'SHOULD',
  },
  tail: {
    id: 'range.tail',
    title: 'a Range for the tail → 206, right Content-Range, the same bytes as the full GET',
    clauses: ['DL-PR-7', 'DL-PR-11', 'DL-EX-B6', 'RFC 9110 §14.4'],
    strength: 'MUST',
  },
  ifMatchCurrent: {
    id: 'range.if-match-current',
    title: 'Range + If-Match with the current ETag → 206',
    clauses: ['DL-PR-9', 'RFC 9110 §13.1.1'],
    strength: 'MUST',
  },
  ifMatchStale: {
    id: 'range.if-match-stale',
    title: 'Range + If-Match with a stale ETag → 412',
    clauses: ['DL-PR-10', 'RFC 9110 §13.1.1'],
    strength: 'MUST',
  },
  unsatisfiable: {
    id: 'range.unsatisfiable',
    title: 'an unsatisfiable Range → 416 with Content-Range: bytes */N',
    clauses: ['RFC 9110 §15.5.17', 'RFC 9110 §14.4'],
    strength: 'SHOULD',
  },
  precedence: {
    id: 'range.if-match-first',
    title: 'If-Match is evaluated before Range (stale ETag + unsatisfiable Range → 412)',
    clauses: ['RFC 9110 §13.2.2', 'DL-PR-10'],
    strength: 'MUST',
  },
  report: {
    id: 'report.post',
    title: 'a status report POSTed to installNotifyURI is answered 200',
    clauses: ['DL-NOTIFY-1', 'DL-INST-4'],
    strength: 'MUST',
  },
} as const satisfies Record<string, CheckSpec>;
