/**
 * The one typed model that DD 1.0 and DD 2.0 download descriptors are parsed into, and the parse result.
 *
 * @module
 */

/** DD 1.0 media type (DL-DD-1). */
export const DD1_MEDIA_TYPE = 'application/vnd.oma.dd+xml';
/** DD 2.0 media type (DL-DD-1). */
export const DD2_MEDIA_TYPE = 'application/vnd.oma.dd2+xml';
/** DD 1.0 XML namespace of the root `<media>`. */
export const DD1_NAMESPACE = 'http://www.openmobilealliance.org/xmlns/dd';
/** DD 2.0 XML namespace of the root `<media>` (DL-DD-1). */
export const DD2_NAMESPACE = 'urn:oma:xml:dl:dd:2.0';

/** Largest descriptor accepted, in UTF-8 bytes (ours, dlota-dd.md). */
export const DD_MAX_BYTES = 1_048_576;
/** Most `<product>` elements accepted in one descriptor (ours). */
export const DD_MAX_PRODUCTS = 64;
/** Most `<mediaObject>` elements accepted in one descriptor, over all products (ours). */
export const DD_MAX_MEDIA_OBJECTS = 256;
/** Deepest element nesting accepted (the schema needs 5 levels; ours, so parsing stays linear). */
export const DD_MAX_DEPTH = 32;
/** Longest text content of one element, in UTF-8 bytes (ours). */
export const DD_MAX_TEXT_BYTES = 4096;

/**
 * How much user interaction the descriptor suppresses: `Never` asks for confirmation, `UserConfirmStepOnly`
 * and `Always` skip the confirmation step (DL-STEP-5).
 * @default 'Never'
 */
export type SuppressUserConfirmation = 'Never' | 'UserConfirmStepOnly' | 'Always';

/** One media object to retrieve: a DD 1.0 descriptor has exactly one, a DD 2.0 product one or more. */
export interface MediaObject {
  /** Bytes to download, a positive integer (thousands separators tolerated in the XML). */
  readonly size: number;
  /** Bytes needed once installed, when the DD 2.0 gives `installSize`. */
  readonly installSize?: number;
  /** Media types of the object, as written, at least one. */
  readonly types: readonly string[];
  /** Absolute http(s) URLs, resolved against the DD's URL (DL-DD-5); alternatives in order, at least one. */
  readonly objectURIs: readonly string[];
  readonly objectID?: string;
  readonly objectVersion?: string;
  readonly name?: string;
  readonly description?: string;
  /** Opaque installer parameter, passed through untouched. */
  readonly installParam?: string;
  /** DD 2.0 `progressiveDownloadFlag`. */
  readonly progressiveDownload?: boolean;
}

/** One product: what the agent installs and reports on as a unit. */
export interface Product {
  readonly name?: string;
  readonly description?: string;
  readonly installParam?: string;
  /** Absolute http(s) URL the status report is POSTed to (DL-NOTIFY-1), resolved (DL-DD-5). */
  readonly installNotifyURI?: string;
  readonly suppressUserConfirmation: SuppressUserConfirmation;
  readonly mediaObjects: readonly MediaObject[];
}

/** A download descriptor, DD 1.0 or DD 2.0, in one model. */
export interface Descriptor {
  /** The DDVersion as written (`'1.0'` when absent in a DD 1.0, `'2.0'` when absent in a DD 2.0). */
  readonly version: string;
  /** The structure it was read from: `dd1` (flat `<media>`) or `dd2` (`<product>`/`<mediaObject>`). */
  readonly shape: 'dd1' | 'dd2';
  /** The root's namespace URI (`''` when the root has none). */
  readonly namespace: string;
  readonly name?: string;
  readonly vendor?: string;
  readonly description?: string;
  readonly infoURL?: string;
  readonly iconURI?: string;
  /** Where to go after the transaction, success or failure (DL-NEXT-1); resolved (DL-DD-5). */
  readonly nextURL?: string;
  /** Where the DD of an updated object is fetched after a 412 on resume (DL-PR-10); resolved (DL-DD-5). */
  readonly updatedDDURI?: string;
  /** The media-level (DD 1.0) notify URI; products inherit it when they have none. */
  readonly installNotifyURI?: string;
  /** The least suppressing value of all products (asking wins). */
  readonly suppressUserConfirmation: SuppressUserConfirmation;
  /** At least one product; a DD 1.0 gives exactly one. */
  readonly products: readonly Product[];
}

/** Options of {@link parseDescriptor}. */
export interface ParseDescriptorOptions {
  /** The absolute URL the descriptor was fetched from (after redirects): the base of relative URIs (DL-DD-5). */
  readonly baseUrl: string;
  /** The response's Content-Type, when known; parameters are ignored. */
  readonly mediaType?: string;
}

/** A descriptor that parsed and validated. */
export interface ParseSuccess {
  readonly ok: true;
  readonly dd: Descriptor;
}

/** A descriptor that did not: which status applies and why. */
export interface ParseFailure {
  readonly ok: false;
  /** 906 Invalid descriptor (DL-DD-2) or 951 Invalid DDVersion (DL-DD-3). */
  readonly outcome: 'invalidDescriptor' | 'invalidDDVersion';
  readonly reason: string;
  /** The element the problem is in or about, when one is. */
  readonly element?: string;
  /** 1-based line of the problem, where the parser gives it. */
  readonly line?: number;
  /** 1-based column of the problem, where the parser gives it. */
  readonly column?: number;
  /**
   * The status report URL if one could still be read from a descriptor that is otherwise invalid, so
   * the failure can be reported (DL-INST-4); absent when the XML itself is broken.
   */
  readonly installNotifyURI?: string;
}

/** The result of {@link parseDescriptor}: never thrown, always returned. */
export type ParseResult = ParseSuccess | ParseFailure;

/** Parses a descriptor (declared here so the types file names the whole contract). */
export type ParseDescriptor = (xml: string, opts: ParseDescriptorOptions) => ParseResult;
