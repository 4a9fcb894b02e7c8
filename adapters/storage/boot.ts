/**
 * Which boot of the operating system this process runs in. A process crash (`kill -9`, an OOM kill) loses
 * nothing the process had already handed to the kernel — the page cache outlives the process — whereas an OS
 * crash or a power cut loses whatever was not fsync'd. The journal records the boot in which bytes were being
 * appended, so reopening in the same boot may keep those bytes, and reopening after a reboot never does.
 *
 * @module
 */
import { readFileSync } from 'node:fs';

/** Where Linux publishes a random id chosen at every boot. */
const BOOT_ID_FILE = '/proc/sys/kernel/random/boot_id';

let cached: string | null | undefined;

/**
 * The current boot's id (Linux), or `null` where the OS does not tell: then bytes not fsync'd are never
 * trusted after a crash, exactly as if every restart were a reboot.
 */
export function currentBootId(): string | null {
  if (cached === undefined) {
    try {
      const id = readFileSync(BOOT_ID_FILE, 'utf8').trim();
      cached = /^[0-9a-f-]{16,64}$/i.test(id) ? id : null;
    } catch {
      cached = null;
    }
  }
  return cached;
}
