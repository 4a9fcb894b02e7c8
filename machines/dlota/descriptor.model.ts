/**
 * From the fields the XML pass collected to the validated {@link Descriptor} model: DDVersion check,
 * mandatory elements, sizes, URI resolution. Pure, no XML here.
 *
 * @module
 */
import {
  isSupportedMajor,
  leastSuppressing,
  parseDDVersion,
  parseSize,
  parseSuppress,
  resolveHttpUri,
  resolveUri,
} from './descriptor.fields.js';
import {
  DD2_NAMESPACE,
  type Descriptor,
  type MediaObject,
  type ParseDescriptorOptions,
  type ParseFailure,
  type ParseResult,
  type Product,
} from './descriptor.types.js';

/** A 1-based line and column in the descriptor. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** Fields collected for one element that owns fields (the media root, a product, a media object). */
export interface Fields {
  readonly at: Position;
  /** First occurrence of each single-valued field. */
  readonly single: Map<string, string>;
  /** Every occurrence of the repeatable ones (`type`, `server`, `size`). */
  readonly multi: Map<string, string[]>;
}

/** Fields of a product plus those of its media objects. */
export interface ProductFields extends Fields {
  readonly objects: Fields[];
}

const MULTI = new Set(['type', 'server', 'size']);

/** Empty fields collected at a position. */
export function fields(at: Position): Fields {
  return { at, single: new Map(), multi: new Map() };
}

/** Records one field value: the first wins for single fields, every one is kept for repeatable ones. */
export function put(target: Fields, name: string, value: string): void {
  if (MULTI.has(name)) target.multi.set(name, [...(target.multi.get(name) ?? []), value]);
  else if (!target.single.has(name)) target.single.set(name, value);
}

/** A 906 result with its reason and, where known, element and position. */
export function invalid(reason: string, element?: string, at?: Position): ParseFailure {
  return {
    ok: false,
    outcome: 'invalidDescriptor',
    reason,
    ...(element === undefined ? {} : { element }),
    ...(at === undefined ? {} : { line: at.line, column: at.column }),
  };
}

/**
 * Builds and validates the model from the collected fields: version (951 before structure), mandatory
 * elements, sizes and URIs (906), relative URIs resolved (DL-DD-5).
 */
export function build(
  media: Fields,
  vendorName: string | undefined,
  rawProducts: readonly ProductFields[],
  namespace: string,
  versionAttribute: string | undefined,
  opts: ParseDescriptorOptions,
): ParseResult {
  const dd2Shape = rawProducts.length > 0 || namespace === DD2_NAMESPACE;
  const notifyRef = media.single.get('installNotifyURI') ?? rawProducts[0]?.single.get('installNotifyURI');
  const notify = notifyRef === undefined ? undefined : resolveHttpUri(notifyRef, opts.baseUrl);
  // DL-INST-4: a descriptor that is invalid but still names its notify URI gets its failure reported.
  const fail = (failure: ParseFailure): ParseFailure =>
    notify ? { ...failure, installNotifyURI: notify } : failure;

  const version = (versionAttribute ?? media.single.get('DDVersion') ?? (dd2Shape ? '2.0' : '1.0')).trim();
  const parsed = parseDDVersion(version);
  if (parsed === null) return fail(invalid(`DDVersion "${version}" does not parse`, 'DDVersion', media.at));
  if (!isSupportedMajor(parsed.major)) {
    // DL-DD-3: checked before the structure, since another major may have another structure.
    return fail({
      ...invalid(`DDVersion ${version} is not supported`, 'DDVersion', media.at),
      outcome: 'invalidDDVersion',
    });
  }

  const uri = (name: string, source: Fields): string | undefined | ParseFailure => {
    const ref = source.single.get(name);
    if (ref === undefined || ref === '') return undefined;
    const resolved = name === 'nextURL' ? resolveUri(ref, opts.baseUrl) : resolveHttpUri(ref, opts.baseUrl);
    return resolved ?? invalid(`<${name}> "${ref}" is not an http(s) URI`, name, source.at);
  };

  const products: Product[] = [];
  const productSources: readonly ProductFields[] = dd2Shape ? rawProducts : [{ ...media, objects: [media] }];
  if (productSources.length === 0)
    return fail(invalid('no <product> in a DD 2.0 descriptor', 'product', media.at));
  for (const source of productSources) {
    if (source.objects.length === 0)
      return fail(invalid('product without <mediaObject>', 'product', source.at));
    const objects: MediaObject[] = [];
    for (const objectSource of source.objects) {
      const object = mediaObject(objectSource, opts.baseUrl);
      if (!object.ok) return fail(object.failure);
      objects.push(object.value);
    }
    const productNotify = uri('installNotifyURI', source);
    if (typeof productNotify === 'object') return fail(productNotify);
    products.push({
      ...text(source, 'name', 'description', 'installParam'),
      ...(productNotify === undefined ? {} : { installNotifyURI: productNotify }),
      suppressUserConfirmation: parseSuppress(source.single.get('suppressUserConfirmation')),
      mediaObjects: objects,
    });
  }

  const links: Record<string, string> = {};
  for (const name of ['nextURL', 'updatedDDURI', 'installNotifyURI'] as const) {
    const value = uri(name, media);
    if (typeof value === 'object') return fail(value);
    if (value !== undefined) links[name] = value;
  }
  const vendor = vendorName ?? media.single.get('vendor');
  const dd: Descriptor = {
    version,
    shape: dd2Shape ? 'dd2' : 'dd1',
    namespace,
    ...text(media, 'name', 'description', 'infoURL', 'iconURI'),
    ...(vendor ? { vendor } : {}),
    ...links,
    suppressUserConfirmation: leastSuppressing(products.map((p) => p.suppressUserConfirmation)),
    products: products.map((p) =>
      p.installNotifyURI === undefined && links.installNotifyURI !== undefined
        ? { ...p, installNotifyURI: links.installNotifyURI }
        : p,
    ),
  };
  return { ok: true, dd };
}

function text(source: Fields, ...names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = source.single.get(name);
    if (value !== undefined && value !== '') out[name] = value;
  }
  return out;
}

function mediaObject(
  source: Fields,
  baseUrl: string,
): { ok: true; value: MediaObject } | { ok: false; failure: ParseFailure } {
  const no = (reason: string, element: string) => ({
    ok: false as const,
    failure: invalid(reason, element, source.at),
  });
  const sizes = source.multi.get('size') ?? [];
  // DL-DD-2: type, size and objectURI are mandatory.
  if (sizes.length === 0) return no('missing <size>', 'size');
  if (sizes.length > 1) return no('more than one <size>', 'size');
  const size = parseSize(sizes[0]!);
  if (size === null) return no(`<size> "${sizes[0]}" is not a positive integer`, 'size');
  const types = (source.multi.get('type') ?? []).filter((t) => t !== '');
  if (types.length === 0) return no('missing <type>', 'type');
  const refs = (source.multi.get('server') ?? [])
    .concat(source.single.get('objectURI') ?? [])
    .filter((r) => r !== '');
  if (refs.length === 0) return no('missing <objectURI>', 'objectURI');
  const objectURIs: string[] = [];
  for (const ref of refs) {
    // DL-RET-1 / DL-DD-5: resolved against the DD's URL; only http and https are retrievable.
    const resolved = resolveHttpUri(ref, baseUrl);
    if (resolved === null) return no(`<objectURI> "${ref}" is not an http(s) URI`, 'objectURI');
    if (!objectURIs.includes(resolved)) objectURIs.push(resolved);
  }
  const installSizeText = source.single.get('installSize');
  const installSize = installSizeText === undefined ? null : parseSize(installSizeText);
  if (installSizeText !== undefined && installSize === null) {
    return no(`<installSize> "${installSizeText}" is not a positive integer`, 'installSize');
  }
  const flag = source.single.get('progressiveDownloadFlag');
  return {
    ok: true,
    value: {
      size,
      ...(installSize === null ? {} : { installSize }),
      types,
      objectURIs,
      ...text(source, 'objectID', 'objectVersion', 'name', 'description', 'installParam'),
      ...(flag === 'true' || flag === 'false' ? { progressiveDownload: flag === 'true' } : {}),
    },
  };
}
