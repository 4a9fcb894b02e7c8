/**
 * The Content Access Download Descriptor (CADD) parser (pure). The CADD schema was not available
 * (dae-download.md, ours), so this accepts the documented subset: a root `ContentAccessDownloadDescriptor`
 * (any namespace; elements are matched by local name) with one or more `ContentItem` children, each with
 * a required `ContentURL` and optional `Title`, `Synopsis`, `ContentID`, `OriginSite`, `OriginSiteName`,
 * `IconURL`, `TotalSize` (bytes), `TransferType` (`full_download` | `playable_download`), `Checksum`
 * (`algorithm` attribute: SHA-256, SHA-1 or MD5; hex text) and `ParentalRating` (repeatable; `scheme`
 * attribute, text value). Unknown elements are ignored.
 *
 * Like the DD parser, a DOCTYPE is rejected before anything in it is read, so no entity is ever
 * expanded; every failure is returned, never thrown. A rejected CADD makes its download fail with
 * reason 4 (DAE-GET-2, DAE-STATE-2).
 *
 * @module
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';

/** Largest CADD accepted, in UTF-16 code units (a descriptor is small metadata). @default 262_144 */
export const CADD_MAX_CHARS = 262_144;
/** Most content items one CADD may list. @default 64 */
export const CADD_MAX_ITEMS = 64;

/** Checksum algorithms a CADD may name (normalised, case- and dash-insensitive on input). */
export const CADD_CHECKSUM_ALGORITHMS = Object.freeze(['sha256', 'sha1', 'md5'] as const);
/** A checksum algorithm a CADD may name. */
export type CaddChecksumAlgorithm = (typeof CADD_CHECKSUM_ALGORITHMS)[number];

/** One parental rating of a content item. */
export interface CaddParentalRating {
  readonly scheme: string | undefined;
  readonly value: string;
}

/** One `ContentItem` of a CADD: what a Download object shows and what verification needs. */
export interface CaddItem {
  readonly contentURL: string;
  readonly name: string | undefined;
  readonly description: string | undefined;
  readonly contentID: string | undefined;
  readonly originSite: string | undefined;
  readonly originSiteName: string | undefined;
  readonly iconURL: string | undefined;
  /** Total size in bytes (the download fails with reason 3 when the body length differs). */
  readonly totalSize: number | undefined;
  readonly transferType: 'full_download' | 'playable_download';
  /** Expected checksum (lower-case hex); a mismatch fails the download with reason 3. */
  readonly checksum: { readonly algorithm: CaddChecksumAlgorithm; readonly value: string } | undefined;
  readonly parentalRatings: readonly CaddParentalRating[];
}

/** The outcome of {@link parseCadd}: the items, or why the descriptor is rejected. */
export type CaddResult =
  | { readonly ok: true; readonly items: readonly CaddItem[] }
  | { readonly ok: false; readonly error: string };

/** Options of {@link parseCadd}. */
export interface ParseCaddOptions {
  /** Relative ContentURL / IconURL values are resolved against it (the CADD's own URL). */
  readonly baseUrl?: string;
}

interface ItemFields {
  text: Record<string, string>;
  checksumAlgorithm: string | undefined;
  ratings: CaddParentalRating[];
  ratingScheme: string | undefined;
}

class Reject {
  constructor(readonly error: string) {}
}

const TEXT_FIELDS = new Set([
  'ContentURL',
  'Title',
  'Synopsis',
  'ContentID',
  'OriginSite',
  'OriginSiteName',
  'IconURL',
  'TotalSize',
  'TransferType',
  'Checksum',
  'ParentalRating',
]);

/** Normalises an algorithm name (`SHA-256`, `sha256`, `MD5` …), or undefined when unsupported. */
export function checksumAlgorithmOf(name: string): CaddChecksumAlgorithm | undefined {
  const key = name.toLowerCase().replace(/[-_\s]/g, '');
  return (CADD_CHECKSUM_ALGORITHMS as readonly string[]).includes(key)
    ? (key as CaddChecksumAlgorithm)
    : undefined;
}

function httpUrl(value: string, what: string, baseUrl: string | undefined): string {
  let url: URL;
  try {
    url = new URL(value, baseUrl);
  } catch {
    throw new Reject(`${what} ${JSON.stringify(value)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Reject(`${what} ${JSON.stringify(value)} is not http(s)`);
  return url.toString();
}

function itemOf(fields: ItemFields, opts: ParseCaddOptions): CaddItem {
  const t = fields.text;
  const opt = (k: string) => (t[k] === undefined || t[k] === '' ? undefined : t[k]);
  const contentURL = opt('ContentURL');
  if (contentURL === undefined) throw new Reject('a ContentItem has no ContentURL');
  const sizeText = opt('TotalSize');
  if (sizeText !== undefined && !/^\d{1,15}$/.test(sizeText))
    throw new Reject(`TotalSize ${JSON.stringify(sizeText)} is not a byte count`);
  const transferType = opt('TransferType') ?? 'full_download';
  if (transferType !== 'full_download' && transferType !== 'playable_download')
    throw new Reject(
      `TransferType ${JSON.stringify(transferType)} is not full_download or playable_download`,
    );
  let checksum: CaddItem['checksum'];
  const sum = opt('Checksum');
  if (sum !== undefined) {
    const algorithm = checksumAlgorithmOf(fields.checksumAlgorithm ?? '');
    if (algorithm === undefined)
      throw new Reject(
        `Checksum algorithm ${JSON.stringify(fields.checksumAlgorithm ?? '')} is not supported`,
      );
    if (!/^[0-9a-fA-F]+$/.test(sum)) throw new Reject('Checksum is not hexadecimal');
    checksum = { algorithm, value: sum.toLowerCase() };
  }
  const icon = opt('IconURL');
  return {
    contentURL: httpUrl(contentURL, 'ContentURL', opts.baseUrl),
    name: opt('Title'),
    description: opt('Synopsis'),
    contentID: opt('ContentID'),
    originSite: opt('OriginSite'),
    originSiteName: opt('OriginSiteName'),
    iconURL: icon === undefined ? undefined : httpUrl(icon, 'IconURL', opts.baseUrl),
    totalSize: sizeText === undefined ? undefined : Number(sizeText),
    transferType,
    checksum,
    parentalRatings: fields.ratings,
  };
}

/**
 * Parses a Content Access Download Descriptor into its content items, or says why it is rejected
 * (DOCTYPE, not well-formed, wrong root, no item, a missing ContentURL, a bad size, type or checksum).
 * @see DAE-GET-2
 */
export function parseCadd(xml: string, opts: ParseCaddOptions = {}): CaddResult {
  if (xml.length > CADD_MAX_CHARS)
    return { ok: false, error: `descriptor larger than ${CADD_MAX_CHARS} characters` };
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: string[] = [];
  const items: CaddItem[] = [];
  let current: ItemFields | undefined;
  let text = '';
  const at = () => `${parser.line}:${parser.column + 1}`;
  parser.on('doctype', () => {
    // Like DL-DD-2: a DOCTYPE could declare entities; rejecting it here means none is expanded.
    throw new Reject(`DOCTYPE is not allowed in a Content Access Download Descriptor (at ${at()})`);
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    if (stack.length === 0 && tag.local !== 'ContentAccessDownloadDescriptor')
      throw new Reject(`root element is <${tag.name}>, not <ContentAccessDownloadDescriptor>`);
    stack.push(tag.local);
    text = '';
    if (stack.length === 2 && tag.local === 'ContentItem') {
      if (items.length >= CADD_MAX_ITEMS) throw new Reject(`more than ${CADD_MAX_ITEMS} content items`);
      current = { text: {}, checksumAlgorithm: undefined, ratings: [], ratingScheme: undefined };
    } else if (stack.length === 3 && current !== undefined) {
      if (tag.local === 'Checksum') current.checksumAlgorithm = tag.attributes.algorithm?.value;
      if (tag.local === 'ParentalRating') current.ratingScheme = tag.attributes.scheme?.value;
    }
  });
  parser.on('text', (t) => {
    text += t;
  });
  parser.on('closetag', (tag: SaxesTagNS) => {
    if (stack.length === 3 && current !== undefined && TEXT_FIELDS.has(tag.local)) {
      const value = text.trim();
      if (tag.local === 'ParentalRating') current.ratings.push({ scheme: current.ratingScheme, value });
      else if (current.text[tag.local] !== undefined)
        throw new Reject(`${tag.local} appears twice in a ContentItem`);
      else current.text[tag.local] = value;
    }
    if (stack.length === 2 && tag.local === 'ContentItem' && current !== undefined) {
      items.push(itemOf(current, opts));
      current = undefined;
    }
    stack.pop();
    text = '';
  });
  try {
    parser.write(xml).close();
  } catch (error) {
    if (error instanceof Reject) return { ok: false, error: error.error };
    return {
      ok: false,
      error: `not well-formed XML: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  if (items.length === 0) return { ok: false, error: 'no ContentItem in the descriptor' };
  return { ok: true, items };
}
