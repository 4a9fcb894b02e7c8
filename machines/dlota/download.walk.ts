/**
 * A driver for the DLOTA agent over xstate's pure `initialTransition` / `transition` API that records
 * the requested effects (type + params), plus example B.6 of the seed as a test vector (DL-EX-B6).
 * Tests here and model-based tests elsewhere walk the machine with it; nothing is executed.
 *
 * @module
 */
import { type AnyActorLogic, initialTransition, type SnapshotFrom, transition } from 'xstate';
import { dlotaMachine } from './download.machine.js';
import type { DownloadEvent, DownloadInput } from './download.types.js';

/** Example B.6: a 25 432-byte GIF cut after 1 034 bytes; objectID/objectVersion give its ETag (quoted). */
export const B6_VECTOR = {
  url: 'http://host.foo.bar/pic-dir/picture.gif',
  ddUrl: 'http://host.foo.bar/dd/picture.dd',
  notify: 'http://host.foo.bar/notify/picture',
  updated: 'http://host.foo.bar/dd/picture-v2.dd',
  next: 'http://host.foo.bar/thanks',
  size: 25432,
  cut: 1034,
  etag: '"fasd987sadf98@example.com/1.1"',
} as const;

/** A DD 1.0 for the B.6 object (relative URIs, a thousands separator in the size); `extra` goes before `</media>`. */
export function b6Descriptor(
  opts: { notify?: boolean; size?: number; version?: string; extra?: string } = {},
): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<media xmlns="http://www.openmobilealliance.org/xmlns/dd">
  <name>Picture</name>
  <type>image/gif</type>
  <size>${String(opts.size ?? B6_VECTOR.size).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}</size>
  <objectURI>../pic-dir/picture.gif</objectURI>
  <objectID>fasd987sadf98@example.com</objectID>
  <objectVersion>${opts.version ?? '1.1'}</objectVersion>
  ${opts.notify === false ? '' : '<installNotifyURI>/notify/picture</installNotifyURI>'}
  <updatedDDURI>picture-v2.dd</updatedDDURI>
  <nextURL>/thanks</nextURL>
  ${opts.extra ?? ''}
</media>`;
}

/** A requested effect as the tests compare it. */
export interface RequestedEffect {
  readonly type: string;
  readonly params: unknown;
}

type Snapshot = SnapshotFrom<typeof dlotaMachine>;

function effects(actions: ReadonlyArray<{ type: string; params?: unknown }>): RequestedEffect[] {
  return actions.map((action) => ({ type: action.type, params: action.params }));
}

/** A walk through the machine with the pure transition API, keeping the last snapshot and effects. */
export class DownloadWalk {
  snapshot: Snapshot;
  effects: RequestedEffect[];
  readonly log: RequestedEffect[] = [];

  constructor(input: Partial<DownloadInput> = {}) {
    const [snapshot, actions] = initialTransition(dlotaMachine, {
      ddUrl: B6_VECTOR.ddUrl,
      supportedTypes: ['image/*'],
      ...input,
    });
    this.snapshot = snapshot;
    this.effects = effects(actions);
    this.log.push(...this.effects);
  }

  /** Sends one event; returns the effects it requested. */
  send(event: DownloadEvent): RequestedEffect[] {
    const [next, actions] = transition(dlotaMachine as AnyActorLogic, this.snapshot, event) as [
      Snapshot,
      never[],
    ];
    this.snapshot = next;
    this.effects = effects(actions);
    this.log.push(...this.effects);
    return this.effects;
  }

  /** The state value as a dotted string (`retrieving.paused`). */
  get state(): string {
    const walk = (value: unknown): string =>
      typeof value === 'string'
        ? value
        : Object.entries(value as Record<string, unknown>)
            .map(([k, v]) => `${k}.${walk(v)}`)
            .join(',');
    return walk(this.snapshot.value);
  }

  /** Drives the walk from the start to a 200 response with the given headers (B.6 defaults). */
  toDownloading(
    headers: Partial<Extract<DownloadEvent, { type: 'RESPONSE.HEADERS' }>> = {},
    dd: string = b6Descriptor(),
  ): this {
    this.send({
      type: 'DESCRIPTOR.LOADED',
      body: dd,
      url: B6_VECTOR.ddUrl,
      contentType: 'application/vnd.oma.dd+xml',
    });
    this.send({ type: 'FREE_SPACE.MEASURED', bytes: 10_000_000 });
    if (this.state === 'confirming.asking') this.send({ type: 'USER.CONFIRMED' });
    this.send({
      type: 'RESPONSE.HEADERS',
      status: 200,
      acceptRanges: 'bytes',
      etag: B6_VECTOR.etag,
      contentLength: B6_VECTOR.size,
      contentType: 'image/gif',
      ...headers,
    });
    return this;
  }

  /** Drives a B.6 download to `paused` after the connection was lost at the 1 034th byte. */
  toPausedAtCut(): this {
    this.toDownloading();
    this.send({ type: 'BODY.DURABLE', offset: B6_VECTOR.cut });
    this.send({ type: 'CONNECTION.LOST', cause: 'ECONNRESET' });
    return this;
  }
}
