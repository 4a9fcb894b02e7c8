/**
 * The scripted Download Server of one `conform agent` scenario: the reference server (`adapters/server`)
 * with its faults set from the scenario's script, plus a small endpoint for the hand-made descriptors the
 * reference server would never render (invalid, DDVersion 3.0, a type mismatch). Every request is recorded
 * with the answer it got, tagged with the run of the agent's command that sent it.
 *
 * @module
 */
import { renameSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { RecordedExchange } from '../../machines/dlota/conform.judge.js';
import {
  type AgentScenario,
  SCENARIO_OBJECT_SIZE,
  scenarioDescriptor,
} from '../../machines/dlota/conform.scenarios.js';
import { DD1_MEDIA_TYPE } from '../../machines/dlota/descriptor.types.js';
import { type DownloadServer, type RequestLogEntry, startDownloadServer } from '../server/server.js';
import { makeDir } from '../storage/make-dir.js';
import { probe } from './probe.js';

const NAME = 'object.txt';
/** A header the kit sets on its own requests (to read a descriptor body) so they are not recorded. */
const KIT_HEADER = 'x-dlstate-conform';

/** The object's bytes in version `version`: printable, different at every offset from one version to the next. */
export function stageObject(version: number): Buffer {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const buf = Buffer.alloc(SCENARIO_OBJECT_SIZE);
  for (let i = 0; i < buf.length; i++)
    buf[i] =
      (i + 1) % 64 === 0 ? 0x0a : alphabet.charCodeAt((i * 7 + version * 13 + (i >> 8)) % alphabet.length);
  return buf;
}

/** A running scenario server. */
export interface Stage {
  /** The descriptor URL the agent is given as `{dd}`. */
  readonly ddUrl: string;
  /** Which run of the command the next requests belong to. */
  run: number;
  /** Every recorded exchange, in the order the answers finished. */
  exchanges(): RecordedExchange[];
  /** Every version of the object the server served, the current one last. */
  versions(): Buffer[];
  /** Waits until every recorded descriptor answer has its body. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the scripted server of `scenario` in `root` (a fresh temp folder the caller removes). */
export async function startStage(scenario: AgentScenario, root: string): Promise<Stage> {
  const script = scenario.script;
  const dir = path.join(root, 'media');
  await makeDir(dir);
  let version = 1;
  let current = stageObject(version);
  const served = [current];
  writeFileSync(path.join(dir, NAME), current);
  if (script.sizeDelta !== undefined)
    writeFileSync(
      path.join(dir, `${NAME}.dd.json`),
      JSON.stringify({ size: SCENARIO_OBJECT_SIZE + script.sizeDelta }),
    );
  const recorded: RecordedExchange[] = [];
  const pending: Promise<void>[] = [];
  let afterCutDone = false;
  let reportsSeen = 0;
  let server: DownloadServer | undefined;

  const record = (entry: RequestLogEntry) => {
    if (!server || entry.headers[KIT_HEADER] !== undefined) return;
    const urlPath = entry.url.split('?')[0] ?? '';
    const kind = urlPath.startsWith('/dd/')
      ? 'descriptor'
      : urlPath.startsWith('/media/')
        ? 'media'
        : urlPath.startsWith('/notify/')
          ? 'report'
          : 'other';
    const headers = entry.responseHeaders ?? {};
    let body: string | undefined;
    if (kind === 'report' && entry.method === 'POST') body = server.reports[reportsSeen++]?.body;
    const exchange: { -readonly [K in keyof RecordedExchange]: RecordedExchange[K] } = {
      run: stage.run,
      kind,
      request: {
        method: entry.method,
        url: `${server.url}${entry.url}`,
        headers: entry.headers,
        ...(body === undefined ? {} : { body }),
      },
      status: entry.status,
      responseHeaders: headers,
      bodyBytes: entry.bodyBytes,
    };
    recorded.push(exchange);
    if (kind === 'descriptor' && entry.status === 200 && entry.method === 'GET') {
      const url = exchange.request.url;
      pending.push(
        probe({ method: 'GET', url, headers: { [KIT_HEADER]: 'kit' } }).then((r) => {
          exchange.responseBody = r.body.toString('utf8');
        }),
      );
    }
    const length = Number(headers['content-length']);
    const cut = kind === 'media' && entry.status < 300 && entry.bodyBytes < length;
    if (cut && !afterCutDone) {
      afterCutDone = true;
      if (script.afterCut === 'ignoreRange') server.faults.ignoreRange = true;
      if (script.afterCut === 'changeObject') {
        // A new inode: a response still streaming the old version keeps reading the old bytes.
        version += 1;
        current = stageObject(version);
        served.push(current);
        const temp = path.join(dir, `.${NAME}.new`);
        writeFileSync(temp, current);
        renameSync(temp, path.join(dir, NAME));
      }
    }
    if (kind === 'report' && script.refuseFirstReport) delete server.faults.refuseReports;
  };

  server = await startDownloadServer({
    dir,
    faults: {
      ...(script.cutAfter === undefined ? {} : { cutNextBodyAfter: script.cutAfter }),
      ...(script.noAcceptRanges ? { noAcceptRanges: true } : {}),
      ...(script.missingMedia ? { missingMedia: new Set([NAME]) } : {}),
      ...(script.refuseFirstReport ? { refuseReports: 503 } : {}),
    },
    onRequest: record,
  });
  const reference = server;

  // Hand-made descriptors are served by a second endpoint and recorded the same way.
  let side: Server | undefined;
  let ddUrl = reference.ddUrl(NAME);
  if (script.descriptor !== 'reference') {
    let sideBase = '';
    const text = () =>
      scenarioDescriptor(
        script.descriptor,
        {
          objectURI: `${reference.url}/media/${NAME}`,
          notifyURI: `${reference.url}/notify/${NAME}`,
          updatedDDURI: `${sideBase}/dd/${NAME}`,
        },
        SCENARIO_OBJECT_SIZE,
      );
    side = createServer((req, res) => {
      const ok = req.url === `/dd/${NAME}`;
      const body = ok ? text() : 'no such descriptor\n';
      const headers = {
        'content-type': ok ? DD1_MEDIA_TYPE : 'text/plain',
        'content-length': String(Buffer.byteLength(body)),
      };
      res.writeHead(ok ? 200 : 404, headers);
      res.end(req.method === 'HEAD' ? undefined : body);
      const requestHeaders: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) requestHeaders[k] = String(v);
      recorded.push({
        run: stage.run,
        kind: 'descriptor',
        request: { method: req.method ?? '', url: `${sideBase}${req.url ?? ''}`, headers: requestHeaders },
        status: ok ? 200 : 404,
        responseHeaders: headers,
        ...(ok ? { responseBody: body } : {}),
        bodyBytes: req.method === 'HEAD' ? 0 : Buffer.byteLength(body),
      });
    });
    await new Promise<void>((resolve) => side?.listen(0, '127.0.0.1', resolve));
    sideBase = `http://127.0.0.1:${(side.address() as AddressInfo).port}`;
    ddUrl = `${sideBase}/dd/${NAME}`;
  }

  const stage: Stage = {
    ddUrl,
    run: 1,
    exchanges: () => [...recorded],
    versions: () => [...served],
    async settle() {
      await Promise.allSettled(pending);
    },
    async close() {
      await reference.close();
      if (side) {
        const s = side;
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections();
        });
      }
    },
  };
  return stage;
}
