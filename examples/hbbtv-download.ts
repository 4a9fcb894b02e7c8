/**
 * An HbbTV application using the download objects the way a broadcast-related app would: obtain the
 * `application/oipfDownloadTrigger` and `application/oipfDownloadManager` objects, register a
 * download with a priority (HbbTV A.2.19), listen for `DownloadStateChange`, wait for completion,
 * and list what is completed with `createFilteredList`. Only members the HbbTV profile keeps are used
 * (no pause/resume/getDownloads/discInfo/updateRegisteredDownload).
 *
 * Run it: `node --import tsx examples/hbbtv-download.ts` (serves a sample file on 127.0.0.1 and
 * downloads it into a temporary directory).
 *
 * @module
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createDownloadManager,
  type DaeDownloadManager,
  type DaeDownloadTrigger,
  type DownloadStateChangeEvent,
} from 'dlstate/manager';
import { startDownloadServer } from 'dlstate/server';

/** The two embedded objects an HbbTV page gets from its `<object type="application/oipf…">` elements. */
export interface OipfObjects {
  readonly downloadTrigger: DaeDownloadTrigger;
  readonly downloadManager: DaeDownloadManager;
}

/** What the application saw. */
export interface AppResult {
  readonly id: string;
  readonly finalState: number;
  readonly reason: number | undefined;
  readonly states: readonly number[];
  readonly completedNames: readonly (string | undefined)[];
}

/** The application: register with a priority, follow the events, list the completed downloads of this page's domain. */
export async function hbbtvApplication(
  objects: OipfObjects,
  contentUrl: string,
  timeoutMs = 30_000,
): Promise<AppResult> {
  const { downloadTrigger, downloadManager } = objects;
  const states: number[] = [];
  let id: string | undefined;
  const finished = new Promise<DownloadStateChangeEvent>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the download did not finish in time')), timeoutMs);
    downloadManager.addEventListener(
      'DownloadStateChange',
      (event) => {
        const e = event as DownloadStateChangeEvent;
        if (e.item.id !== id) return;
        states.push(e.state);
        // 1 = completed, 8 = failed (then e.reason says why).
        if (e.state === 1 || e.state === 8) {
          clearTimeout(timer);
          resolve(e);
        }
      },
      false,
    );
  });
  // HbbTV A.2.19: registerDownloadURL(URL, contentType, downloadStart, priority).
  id = downloadTrigger.registerDownloadURL(contentUrl, 'video/mp4', null, 2);
  if (id === undefined) throw new Error('the terminal refused the download');
  const last = await finished;
  const completed = downloadManager.createFilteredList(true, 1);
  const completedNames: (string | undefined)[] = [];
  for (let i = 0; i < completed.length; i += 1) completedNames.push(completed.item(i)?.name);
  return { id, finalState: last.state, reason: last.reason, states, completedNames };
}

/** Runs the application against a local reference server with a sample file; returns what it saw. */
export async function main(): Promise<AppResult> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'dlstate-hbbtv-'));
  const media = path.join(work, 'media');
  await fs.mkdir(media);
  await fs.writeFile(path.join(media, 'episode.mp4'), Buffer.alloc(200_000, 7));
  const server = await startDownloadServer({ dir: media });
  const terminal = await createDownloadManager({
    dir: path.join(work, 'terminal'),
    profile: 'hbbtv',
    maxActive: 1,
  });
  try {
    // The application runtime gives a trusted broadcast-related app its objects.
    const objects = terminal.application({
      id: 'channel-app',
      origin: 'channel.example',
      organisationId: 'channel',
      permissions: ['permission_downloadmanager'],
    });
    return await hbbtvApplication(objects, `${server.url}/media/episode.mp4`);
  } finally {
    await terminal.close();
    await server.close();
    await fs.rm(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
