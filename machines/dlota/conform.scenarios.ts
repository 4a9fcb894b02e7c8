/**
 * The scenarios of `dlstate conform agent`: the paths of the DLOTA machine an outside agent can be driven
 * through by server-side events alone (descriptor answers, media answers, cuts, report answers). Each is a
 * small script of the server's behaviour; {@link modelRun} plays it against the machine itself with a pure
 * simulated server ({@link decideMediaResponse}) and so lists the transitions and clauses the scenario
 * covers and the status it must end with. The transitions whose event only the device can cause are
 * listed by {@link notDrivable}, with the reason.
 *
 * @module
 */
import type { MachineEntry } from '../describe.js';
import { describeMachine } from '../describe.js';
import { oracleInput } from './conform.judge.js';
import { formatTransition, MachineOracle, type TakenTransition } from './conform.oracle.js';
import { dlotaMachine } from './download.machine.js';
import { decideMediaResponse, etagFor } from './server.logic.js';
import { parseStatusLine } from './status.js';

/** How the scripted server behaves in a scenario. */
export interface ScenarioScript {
  /** Which descriptor is served: the reference server's DD 2.0, or a hand-made one. */
  readonly descriptor: 'reference' | 'invalid' | 'unsupportedVersion' | 'typeMismatch';
  /** Cut the connection after this many bytes of the first media answer. */
  readonly cutAfter?: number;
  /** The server never sends Accept-Ranges (and ignores Range). */
  readonly noAcceptRanges?: boolean;
  /** What happens right after the cut: the object changes (new bytes, new ETag) or the server starts ignoring Range. */
  readonly afterCut?: 'changeObject' | 'ignoreRange';
  /** The media object answers 404. */
  readonly missingMedia?: boolean;
  /** The DD declares this many bytes more than the object has. */
  readonly sizeDelta?: number;
  /** The first status report is answered 503, later ones 200. */
  readonly refuseFirstReport?: boolean;
}

/** One scenario. */
export interface AgentScenario {
  readonly id: string;
  readonly title: string;
  readonly script: ScenarioScript;
  /** The clauses the scenario is about (the model run lists every clause it touches). */
  readonly focus: readonly string[];
}

/** Size of every scenario's object; the cut falls inside it at an odd offset. */
export const SCENARIO_OBJECT_SIZE = 200_000;
const CUT = 70_001;

/** The drivable scenarios, in the order they run. */
export const AGENT_SCENARIOS: readonly AgentScenario[] = Object.freeze([
  {
    id: 'complete',
    title: 'plain download: 200, whole body, 900 reported',
    script: { descriptor: 'reference' },
    focus: ['DL-RET-2', 'DL-INST-5', 'DL-NOTIFY-1'],
  },
  {
    id: 'cut-resume',
    title: 'cut mid-body with Accept-Ranges: resume with one Range for the rest and If-Match → 206 → 900',
    script: { descriptor: 'reference', cutAfter: CUT },
    focus: ['DL-PR-4', 'DL-PR-7', 'DL-PR-8', 'DL-PR-9', 'DL-PR-11'],
  },
  {
    id: 'cut-no-accept-ranges',
    title: 'cut mid-body without Accept-Ranges: no resume, 903 Loss of Service',
    script: { descriptor: 'reference', cutAfter: CUT, noAcceptRanges: true },
    focus: ['DL-RET-4', 'DL-PR-12'],
  },
  {
    id: 'changed-while-paused',
    title:
      'object changed while paused: resume → 412 → 957, discard, fetch updatedDDURI, download the new version',
    script: { descriptor: 'reference', cutAfter: CUT, afterCut: 'changeObject' },
    focus: ['DL-PR-9', 'DL-PR-10', 'DL-STATUS-957'],
  },
  {
    id: 'resume-answered-200',
    title: 'a resume answered 200 (Range ignored): restart from byte 0, never append',
    script: { descriptor: 'reference', cutAfter: CUT, afterCut: 'ignoreRange' },
    focus: ['DL-PR-11'],
  },
  {
    id: 'not-found',
    title: 'the object answers 404: 954 Loader Error',
    script: { descriptor: 'reference', missingMedia: true },
    focus: ['DL-RET-3'],
  },
  {
    id: 'size-mismatch',
    title: 'Content-Length differs from the DD size: 905 Attribute mismatch',
    script: { descriptor: 'reference', sizeDelta: 1000 },
    focus: ['DL-INST-10'],
  },
  {
    id: 'type-mismatch',
    title: 'Content-Type outside the DD types: 905 Attribute mismatch',
    script: { descriptor: 'typeMismatch' },
    focus: ['DL-INST-10'],
  },
  {
    id: 'invalid-dd',
    title: 'a descriptor without <size>: 906 Invalid descriptor, reported',
    script: { descriptor: 'invalid' },
    focus: ['DL-DD-2', 'DL-INST-4'],
  },
  {
    id: 'unsupported-ddversion',
    title: 'DDVersion 3.0: 951 Invalid DDVersion, reported',
    script: { descriptor: 'unsupportedVersion' },
    focus: ['DL-DD-3', 'DL-INST-4'],
  },
  {
    id: 'report-retry',
    title: 'the report endpoint answers 503, then 200: retry, installed only after a 200',
    script: { descriptor: 'reference', refuseFirstReport: true },
    focus: ['DL-NOTIFY-1', 'DL-INST-12', 'DL-INST-2'],
  },
]);

/**
 * A hand-made DD 1.0 for a scenario (the reference server renders the DD 2.0 of the others): `objectURI`
 * and `notifyURI` absolute, `updatedDDURI` the descriptor itself; `typeMismatch` declares `image/gif` for an object served as `text/plain`.
 */
export function scenarioDescriptor(
  kind: ScenarioScript['descriptor'],
  urls: { readonly objectURI: string; readonly notifyURI: string; readonly updatedDDURI: string },
  size: number,
  version = '1',
): string {
  const type = kind === 'typeMismatch' ? 'image/gif' : 'text/plain';
  return `<?xml version="1.0" encoding="UTF-8"?>
<media xmlns="http://www.openmobilealliance.org/xmlns/dd">
${kind === 'unsupportedVersion' ? '  <DDVersion>3.0</DDVersion>\n' : ''}  <name>conformance object</name>
  <type>${type}</type>
${kind === 'invalid' ? '' : `  <size>${size}</size>\n`}  <objectURI>${urls.objectURI}</objectURI>
  <objectID>conform</objectID>
  <objectVersion>${version}</objectVersion>
  <installNotifyURI>${urls.notifyURI}</installNotifyURI>
  <updatedDDURI>${urls.updatedDDURI}</updatedDDURI>
</media>
`;
}

/** What the model run of a scenario shows. */
export interface ModelRun {
  readonly transitions: readonly TakenTransition[];
  /** The requests a compliant agent sends, in order (`GET /media with Range…`, `POST 900 Success`). */
  readonly requests: readonly string[];
  readonly finalState: string;
  readonly statusCodes: readonly number[];
  readonly clauses: readonly string[];
}

/** Plays a scenario against the machine with a pure simulated server; bounded. */
export function modelRun(scenario: AgentScenario): ModelRun {
  const script = scenario.script;
  const dd = 'http://server.test/dd/object';
  const objectURI = 'http://server.test/media/object';
  const notifyURI = 'http://server.test/notify/object';
  const oracle = new MachineOracle(oracleInput(dd));
  const requests: string[] = [];
  const codes: number[] = [];
  let version = 1;
  let cutPending = script.cutAfter !== undefined;
  let ignoreRange = script.noAcceptRanges === true;
  let refuse = script.refuseFirstReport === true;
  const size = SCENARIO_OBJECT_SIZE;
  for (let step = 0; step < 40 && !oracle.finished; step++) {
    oracle.advanceDevice();
    if (oracle.state === 'retrieving.paused') oracle.send({ type: 'NETWORK.BACK' });
    if (oracle.state === 'notifying.waitingToRetry')
      oracle.send({ type: 'TIMER.FIRED', name: 'reportRetry' });
    const effect = oracle.take();
    if (effect === undefined) break;
    if (effect.type === 'fetchDescriptor') {
      requests.push('GET the descriptor');
      const body = scenarioDescriptor(
        script.descriptor === 'reference' ? 'reference' : script.descriptor,
        { objectURI, notifyURI, updatedDDURI: dd },
        size + (script.sizeDelta ?? 0),
        String(version),
      );
      oracle.send({
        type: 'DESCRIPTOR.LOADED',
        body,
        url: effect.params.url,
        contentType: 'application/vnd.oma.dd+xml',
      });
    } else if (effect.type === 'postReport') {
      requests.push(`POST "${effect.params.body}"`);
      codes.push(parseStatusLine(effect.params.body)?.code ?? 0);
      oracle.send(refuse ? { type: 'REPORT.FAILED', status: 503 } : { type: 'REPORT.ACCEPTED' });
      refuse = false;
    } else {
      const p = effect.params;
      requests.push(
        `GET the object${p.range ? ` with Range: ${p.range}` : ''}${p.ifMatch ? ` and If-Match: ${p.ifMatch}` : ''}`,
      );
      if (script.missingMedia) {
        oracle.send({ type: 'RESPONSE.HEADERS', status: 404 });
        continue;
      }
      const decision = decideMediaResponse(
        { length: size, objectID: 'conform', objectVersion: String(version) },
        {
          method: 'GET',
          ...(ignoreRange || p.range === undefined ? {} : { range: p.range }),
          ...(p.ifMatch === undefined ? {} : { ifMatch: p.ifMatch }),
        },
      );
      const h = decision.headers;
      oracle.send({
        type: 'RESPONSE.HEADERS',
        status: decision.status,
        ...(script.noAcceptRanges ? {} : { acceptRanges: h['Accept-Ranges'] }),
        etag: etagFor('conform', String(version)),
        ...(h['Content-Range'] === undefined ? {} : { contentRange: h['Content-Range'] }),
        contentLength: decision.body ? decision.body.end - decision.body.start + 1 : 0,
        contentType: 'text/plain',
      });
      if (oracle.state !== 'retrieving.downloading' || !decision.body) continue;
      if (cutPending && script.cutAfter !== undefined) {
        cutPending = false;
        oracle.send({ type: 'BODY.DURABLE', offset: script.cutAfter });
        oracle.send({ type: 'CONNECTION.LOST', cause: 'cut' });
        if (script.afterCut === 'changeObject') version += 1;
        if (script.afterCut === 'ignoreRange') ignoreRange = true;
      } else oracle.send({ type: 'BODY.END', offset: decision.body.end + 1 });
    }
  }
  return {
    transitions: oracle.taken,
    requests,
    finalState: oracle.state,
    statusCodes: codes,
    clauses: [...new Set(oracle.taken.flatMap((t) => t.clauses))].sort(),
  };
}

/** Events only the device (user, storage, power, installer) can cause: no server script reaches them. */
export const DEVICE_EVENTS: Readonly<Record<string, string>> = Object.freeze({
  'USER.PAUSE': 'a user pause happens on the device; a server cannot cause it',
  'USER.RESUME': 'a user resume happens on the device',
  'USER.CANCEL': 'a user cancel happens on the device',
  'USER.DECLINED': 'the user declines on the device (DL-STEP-5)',
  'USER.CONFIRMED': 'the user confirms on the device (assumed by the oracle)',
  'STORAGE.FULL': 'full storage is the device’s state; a server cannot fill it',
  'FREE_SPACE.MEASURED':
    'free space is measured on the device (the oracle assumes enough; DL-STEP-3 not drivable)',
  'DEVICE.SHUTDOWN': 'power or shutdown happens on the device',
  'INSTALL.FAILED': 'installation fails on the device (DL-INST-7…9)',
  'INSTALL.PREPARED': 'pre-installation happens on the device (assumed to succeed)',
});

/** One machine transition no scenario can drive, with the reason. */
export interface NotDrivable {
  readonly transition: string;
  readonly clauses: readonly string[];
  readonly reason: string;
}

/**
 * The transitions of `dlotaMachine` whose event only the device can cause (from the machine's own
 * description), skipping the confirmations and preparations the oracle assumes; plus DL-STEP-4, which
 * depends on the device's list of types.
 */
export function notDrivable(entry: Pick<MachineEntry, 'machine'> = { machine: dlotaMachine }): NotDrivable[] {
  const assumed = new Set(['USER.CONFIRMED', 'INSTALL.PREPARED', 'FREE_SPACE.MEASURED']);
  const out: NotDrivable[] = [];
  for (const t of describeMachine(entry.machine).transitions) {
    const reason = DEVICE_EVENTS[t.event];
    if (reason === undefined || assumed.has(t.event)) continue;
    out.push({
      transition: formatTransition({
        source: `dlota.${t.source}`,
        event: t.event,
        targets: t.targets.map((x) => `dlota.${x}`),
        clauses: t.clauses,
      }),
      clauses: t.clauses,
      reason,
    });
  }
  out.push({
    transition:
      'measuringSpace —FREE_SPACE.MEASURED→ notifying (no supported type, 953) / (not enough space, 901)',
    clauses: ['DL-STEP-3', 'DL-STEP-4'],
    reason:
      'which types a device supports and how much space it has are the device’s; the oracle assumes every type and enough space',
  });
  return out;
}
