/**
 * Group commit for flushes: {@link groupCommit} wraps a flush (`run(key)`: an fsync of a directory, of a WAL) so
 * that its callers share runs. A caller while none runs starts one; callers while one runs share the next one,
 * which starts when the running one has ended — the running one may have started before their change, the next
 * one certainly did not. So each caller's promise resolves after a flush that began after its call, and a burst of
 * callers costs two flushes, not one each.
 *
 * @module
 */

interface Runs {
  running: Promise<void>;
  /** The run the callers that came while `running` runs wait for (it starts after `running`). */
  queued: Promise<void> | undefined;
}

/** `run`, shared by its callers per key: at most one run per key at a time, the callers meanwhile sharing the next. */
export function groupCommit<K>(run: (key: K) => Promise<void>): (key: K) => Promise<void> {
  const runs = new Map<K, Runs>();
  const start = (key: K): Promise<void> => {
    const entry: Runs = { running: Promise.resolve(), queued: undefined };
    entry.running = run(key).finally(() => {
      if (runs.get(key) === entry && entry.queued === undefined) runs.delete(key);
    });
    runs.set(key, entry);
    return entry.running;
  };
  return (key) => {
    const current = runs.get(key);
    if (current === undefined) return start(key);
    current.queued ??= current.running.catch(() => {}).then(() => start(key));
    return current.queued;
  };
}
