/**
 * Pure field readers for download descriptors: sizes, versions, URIs, media types, byte lengths.
 * `parseDescriptor` uses them; they are exported so each decision has its own test.
 *
 * @module
 */
import { DD1_MEDIA_TYPE, DD2_MEDIA_TYPE, type SuppressUserConfirmation } from './descriptor.types.js';

/**
 * Reads a `size`: a positive integer, tolerating thousands separators (`25,432`, seen in Chromium);
 * `null` when it is not one (DL-DD-2 → 906).
 */
export function parseSize(text: string): number | null {
  const trimmed = text.trim();
  if (!/^(?:\d+|\d{1,3}(?:,\d{3})+)$/.test(trimmed)) return null;
  const value = Number(trimmed.replaceAll(',', ''));
  return Number.isSafeInteger(value) && value > 0 ? value : null;
}

/** A parsed DDVersion: `major.minor`, or `null` when it does not parse (→ 906). */
export function parseDDVersion(text: string): { major: number; minor: number } | null {
  const match = /^\s*(\d{1,4})\.(\d{1,4})\s*$/.exec(text);
  if (!match) return null;
  return { major: Number(match[1]), minor: Number(match[2]) };
}

/** The DD major versions this agent processes (DL-DD-1); any other major is 951 (DL-DD-3). */
export const SUPPORTED_DD_MAJORS: readonly number[] = Object.freeze([1, 2]);

/** Whether a DD major version is supported (DL-DD-3). */
export function isSupportedMajor(major: number): boolean {
  return SUPPORTED_DD_MAJORS.includes(major);
}

/**
 * Resolves a URI reference against the descriptor's URL with WHATWG URL (DL-DD-5) and keeps it only
 * if the result is http or https (DL-RET-1); `null` otherwise.
 */
export function resolveHttpUri(reference: string, baseUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(reference.trim(), baseUrl);
  } catch {
    return null;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
}

/** Resolves any URI reference against the descriptor's URL (DL-DD-5), any scheme; `null` if it does not parse. */
export function resolveUri(reference: string, baseUrl: string): string | null {
  try {
    return new URL(reference.trim(), baseUrl).href;
  } catch {
    return null;
  }
}

/** The media type essence: lower case, parameters and spaces removed (`Text/XML; charset=utf-8` → `text/xml`). */
export function mediaTypeEssence(value: string): string {
  return (value.split(';')[0] ?? '').trim().toLowerCase();
}

/**
 * Media types a descriptor response may carry: the two DD types (DL-DD-1) and the generic XML types
 * misconfigured servers send. Anything else is not a descriptor (906).
 */
export const DESCRIPTOR_MEDIA_TYPES: readonly string[] = Object.freeze([
  DD1_MEDIA_TYPE,
  DD2_MEDIA_TYPE,
  'application/xml',
  'text/xml',
]);

/** Whether a response Content-Type may hold a descriptor (absent or empty counts as yes). */
export function isDescriptorMediaType(value: string | undefined): boolean {
  if (value === undefined || value.trim() === '') return true;
  return DESCRIPTOR_MEDIA_TYPES.includes(mediaTypeEssence(value));
}

/** Reads `suppressUserConfirmation`; an unknown value asks the user (`Never`), the safe reading. */
export function parseSuppress(text: string | undefined): SuppressUserConfirmation {
  const value = text?.trim();
  return value === 'UserConfirmStepOnly' || value === 'Always' ? value : 'Never';
}

const SUPPRESS_RANK: Readonly<Record<SuppressUserConfirmation, number>> = {
  Never: 0,
  UserConfirmStepOnly: 1,
  Always: 2,
};

/** The least suppressing of several values: if any product asks for confirmation, the user is asked. */
export function leastSuppressing(values: readonly SuppressUserConfirmation[]): SuppressUserConfirmation {
  let least: SuppressUserConfirmation = 'Always';
  for (const value of values) if (SUPPRESS_RANK[value] < SUPPRESS_RANK[least]) least = value;
  return values.length === 0 ? 'Never' : least;
}

/** The UTF-8 length of a string in bytes, without allocating (for the stated limits). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
