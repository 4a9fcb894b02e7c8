/**
 * How the storage layer calls the file system: metadata calls (open, close, stat, rename, unlink, truncate, small
 * reads and writes) synchronously, flushes (fsync, fdatasync) on libuv's thread pool, by file descriptor.
 *
 * Why: on a local file system a metadata call takes a few microseconds in the kernel, while the promise API's round
 * trip through the thread pool costs about 40 µs of CPU per call (promise, request, thread hand-off, a FileHandle to
 * collect) — measured 230 µs against 35 µs for open + close + stat + rename + unlink. A small download makes some 20
 * such calls; on 2 cores that was a fifth of the manager's CPU per object. A flush waits for the disk (milliseconds)
 * and stays off the event loop. The cost of the choice: with a state directory on a slow network file system each
 * metadata call blocks the event loop for its duration.
 *
 * @module
 */
import { fdatasync, fsync } from 'node:fs';

/** fsync(2) of an open descriptor, on the thread pool. */
export function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
}

/** fdatasync(2) of an open descriptor, on the thread pool. */
export function fdatasyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
}
