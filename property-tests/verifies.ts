/**
 * Tests declare the clauses they verify in their titles: `it(verifies('DL-PR-9', 'resume sends If-Match'), …)`
 * gives the title `[DL-PR-9] resume sends If-Match`. The spec-coverage report collects the ids back from the
 * test results with {@link clausesInTitle}. The id list is typed, so a misspelt id does not compile.
 *
 * @module
 */
import { type ClauseId, isClauseId } from '../machines/clauses.js';

/** A test title that names the clauses it verifies, e.g. `[DL-PR-9 DL-PR-8] resume request`. */
export function verifies(ids: ClauseId | readonly ClauseId[], title: string): string {
  const list = typeof ids === 'string' ? [ids] : ids;
  if (list.length === 0) throw new Error('verifies() needs at least one clause id');
  return `[${list.join(' ')}] ${title}`;
}

/** The clause ids a (full) test title declares, in order; unknown tokens are ignored. */
export function clausesInTitle(title: string): ClauseId[] {
  const ids: ClauseId[] = [];
  for (const match of title.matchAll(/\[([A-Z0-9 -]+)\]/g)) {
    for (const token of (match[1] ?? '').split(' ')) {
      if (isClauseId(token) && !ids.includes(token)) ids.push(token);
    }
  }
  return ids;
}
