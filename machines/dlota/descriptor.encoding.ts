/**
 * The character encoding of a download descriptor's bytes (XML 1.0 §4.3.3 and Appendix F, RFC 7303 §3):
 * a byte order mark first, then the `charset` of the media type, then the encoding declaration, else
 * UTF-8; decoded with the WHATWG Encoding Standard's `TextDecoder` labels, fatal on malformed bytes.
 *
 * @module
 */
import { invalid } from './descriptor.model.js';
import type { ParseFailure } from './descriptor.types.js';

/** Bytes decoded to text, or a 906 naming the encoding and what was wrong. */
export type DecodeResult =
  | { readonly ok: true; readonly text: string; readonly encoding: string }
  | ParseFailure;

/** Where the encoding was read from (named in a failure's reason). */
type Source = 'byte order mark' | 'charset parameter' | 'encoding declaration' | 'default';

const starts = (bytes: Uint8Array, ...prefix: number[]) => prefix.every((b, i) => bytes[i] === b);

/** The encoding a byte order mark names (UTF-32 ones included, to refuse them by name). */
function byBom(bytes: Uint8Array): string | undefined {
  if (starts(bytes, 0x00, 0x00, 0xfe, 0xff)) return 'UTF-32BE';
  if (starts(bytes, 0xff, 0xfe, 0x00, 0x00)) return 'UTF-32LE';
  if (starts(bytes, 0xef, 0xbb, 0xbf)) return 'UTF-8';
  if (starts(bytes, 0xfe, 0xff)) return 'UTF-16BE';
  if (starts(bytes, 0xff, 0xfe)) return 'UTF-16LE';
  return undefined;
}

/** The `charset` parameter of a media type (`application/vnd.oma.dd+xml; charset="iso-8859-1"`). */
export function charsetOf(mediaType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*("?)([^";\s]+)\1/i.exec(mediaType ?? '');
  return match?.[2];
}

/**
 * The encoding declared by the XML declaration (`<?xml version="1.0" encoding="ISO-8859-1"?>`) of a
 * document without a BOM: UTF-16 without a BOM is recognised by its first `<?` (Appendix F), an
 * ASCII-compatible declaration is read as bytes.
 */
function byDeclaration(bytes: Uint8Array): string | undefined {
  if (starts(bytes, 0x00, 0x3c, 0x00, 0x3f)) return 'UTF-16BE';
  if (starts(bytes, 0x3c, 0x00, 0x3f, 0x00)) return 'UTF-16LE';
  if (!starts(bytes, 0x3c, 0x3f, 0x78, 0x6d, 0x6c)) return undefined;
  let head = '';
  for (let i = 0; i < Math.min(bytes.length, 256); i++) {
    head += String.fromCharCode(bytes[i]!);
    if (head.endsWith('?>')) break;
  }
  return /^<\?xml\s[^?]*?\bencoding\s*=\s*(["'])([A-Za-z][A-Za-z0-9._-]*)\1/.exec(head)?.[2];
}

/**
 * Decodes a descriptor's bytes (DL-DD-1, DL-DD-2): BOM (UTF-8, UTF-16LE/BE), else the media type's
 * `charset`, else the encoding declaration, else UTF-8. An encoding `TextDecoder` does not know (UTF-32
 * included) or bytes that are not valid in it → 906 naming the encoding.
 * @see DL-DD-2
 */
export function decodeDescriptor(bytes: Uint8Array, mediaType?: string): DecodeResult {
  const bom = byBom(bytes);
  const charset = bom === undefined ? charsetOf(mediaType) : undefined;
  const declared = bom === undefined && charset === undefined ? byDeclaration(bytes) : undefined;
  const label = bom ?? charset ?? declared ?? 'UTF-8';
  const source: Source =
    bom !== undefined
      ? 'byte order mark'
      : charset !== undefined
        ? 'charset parameter'
        : declared !== undefined
          ? 'encoding declaration'
          : 'default';
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label, { fatal: true });
  } catch {
    return invalid(`unsupported descriptor encoding "${label}" (from the ${source})`);
  }
  try {
    // The decoder drops the BOM of its own encoding.
    return { ok: true, text: decoder.decode(bytes), encoding: decoder.encoding };
  } catch {
    return invalid(`descriptor bytes are not valid ${label} (encoding from the ${source})`);
  }
}
