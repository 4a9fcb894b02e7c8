/**
 * Download descriptor parsing: DD 1.0 and DD 2.0 (DL-DD-1) into one {@link Descriptor}, with saxes in
 * strict namespace mode. A DOCTYPE is rejected before anything in it is read, so no entity is ever
 * expanded (an external entity or an entity bomb is a plain 906). Every failure is returned, never thrown.
 *
 * @module
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { isDescriptorMediaType, utf8Length } from './descriptor.fields.js';
import {
  build,
  type Fields,
  fields,
  invalid,
  type Position,
  type ProductFields,
  put,
} from './descriptor.model.js';
import {
  DD_MAX_BYTES,
  DD_MAX_DEPTH,
  DD_MAX_MEDIA_OBJECTS,
  DD_MAX_PRODUCTS,
  DD_MAX_TEXT_BYTES,
  DD1_NAMESPACE,
  DD2_NAMESPACE,
  type ParseDescriptorOptions,
  type ParseFailure,
  type ParseResult,
} from './descriptor.types.js';

interface Frame {
  readonly local: string;
  /** False for an element of a foreign namespace: it and its subtree are ignored (DL-DD-4). */
  readonly ours: boolean;
  readonly at: Position;
  text: string;
  bytes: number;
}

/** Thrown inside the parser callbacks to stop at the first problem; never escapes {@link parseDescriptor}. */
class Stop {
  constructor(readonly failure: ParseFailure) {}
}

/**
 * Parses and validates a download descriptor. Syntax errors, missing mandatory elements (type, size,
 * objectURI), bad sizes, non-http(s) object URIs and exceeded limits give 906 (DL-DD-2); an unsupported
 * major DDVersion gives 951 (DL-DD-3). Unknown elements are ignored (DL-DD-4); relative URIs are
 * resolved against `opts.baseUrl` (DL-DD-5).
 * @see DL-DD-1
 */
export function parseDescriptor(xml: string, opts: ParseDescriptorOptions): ParseResult {
  if (!isDescriptorMediaType(opts.mediaType)) {
    return invalid(`media type ${opts.mediaType} is not a download descriptor`);
  }
  // Cheap bound first (a UTF-16 unit is at least one UTF-8 byte), then the exact one.
  if (xml.length > DD_MAX_BYTES || utf8Length(xml) > DD_MAX_BYTES) {
    return invalid(`descriptor larger than ${DD_MAX_BYTES} bytes`);
  }
  try {
    return collect(xml, opts);
  } catch (error) {
    if (error instanceof Stop) return error.failure;
    return invalid(
      `descriptor could not be parsed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function collect(xml: string, opts: ParseDescriptorOptions): ParseResult {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const here = (): Position => ({ line: parser.line, column: parser.column + 1 });
  const stack: Frame[] = [];
  let rootNamespace = '';
  let versionAttribute: string | undefined;
  let media: Fields | undefined;
  let vendorName: string | undefined;
  const products: ProductFields[] = [];
  let objectCount = 0;

  parser.on('doctype', () => {
    // DL-DD-2: a DOCTYPE could declare entities; rejecting it here means nothing in it is expanded.
    throw new Stop(invalid('DOCTYPE is not allowed in a download descriptor', undefined, here()));
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    const at = here();
    if (stack.length === 0) {
      if (tag.local !== 'media')
        throw new Stop(invalid(`root element is <${tag.name}>, not <media>`, tag.name, at));
      if (tag.uri !== '' && tag.uri !== DD1_NAMESPACE && tag.uri !== DD2_NAMESPACE) {
        throw new Stop(invalid(`unknown descriptor namespace ${tag.uri}`, 'media', at));
      }
      rootNamespace = tag.uri;
      versionAttribute = tag.attributes.DDVersion?.value;
      media = fields(at);
    }
    if (stack.length >= DD_MAX_DEPTH) {
      throw new Stop(invalid(`elements nested deeper than ${DD_MAX_DEPTH} levels`, tag.local, at));
    }
    const parentOurs = stack.every((frame) => frame.ours);
    const ours = parentOurs && tag.uri === rootNamespace;
    stack.push({ local: tag.local, ours, at, text: '', bytes: 0 });
    if (!ours) return;
    const path = stack.map((frame) => frame.local);
    if (path.length === 2 && path[1] === 'product') {
      if (products.length >= DD_MAX_PRODUCTS) {
        throw new Stop(invalid(`more than ${DD_MAX_PRODUCTS} products`, 'product', at));
      }
      products.push({ ...fields(at), objects: [] });
    } else if (path.length === 3 && path[1] === 'product' && path[2] === 'mediaObject') {
      objectCount += 1;
      if (objectCount > DD_MAX_MEDIA_OBJECTS) {
        throw new Stop(invalid(`more than ${DD_MAX_MEDIA_OBJECTS} media objects`, 'mediaObject', at));
      }
      products.at(-1)?.objects.push(fields(at));
    }
  });
  const onText = (text: string): void => {
    const frame = stack.at(-1);
    if (frame === undefined || !frame.ours) return;
    frame.bytes += utf8Length(text);
    if (frame.bytes > DD_MAX_TEXT_BYTES) {
      throw new Stop(
        invalid(`text of <${frame.local}> longer than ${DD_MAX_TEXT_BYTES} bytes`, frame.local, here()),
      );
    }
    frame.text += text;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    const path = stack.map((frame) => frame.local);
    const frame = stack.pop();
    if (frame === undefined || !frame.ours) return;
    const value = frame.text.trim();
    const product = products.at(-1);
    const object = product?.objects.at(-1);
    const [, l1, l2, l3, l4] = path;
    // DL-DD-4: only the positions below are read; any other element is ignored.
    if (path.length === 2 && l1 !== 'product' && l1 !== 'vendor' && media) put(media, l1!, value);
    else if (path.length === 2 && l1 === 'vendor' && value !== '' && media) put(media, 'vendor', value);
    else if (path.length === 3 && l1 === 'vendor' && l2 === 'name') vendorName ??= value;
    else if (path.length === 3 && l1 === 'product' && l2 !== 'mediaObject' && product)
      put(product, l2!, value);
    else if (path.length === 4 && l1 === 'product' && l2 === 'meta' && product) put(product, l3!, value);
    else if (path.length === 4 && l2 === 'mediaObject' && l3 !== 'objectURI' && object)
      put(object, l3!, value);
    else if (path.length === 4 && l2 === 'mediaObject' && l3 === 'objectURI' && object && value !== '') {
      put(object, 'server', value);
    } else if (path.length === 5 && l2 === 'mediaObject' && l3 === 'objectURI' && l4 === 'server' && object) {
      put(object, 'server', value);
    } else if (path.length === 5 && l2 === 'mediaObject' && l3 === 'meta' && object) put(object, l4!, value);
  });

  try {
    parser.write(xml).close();
  } catch (error) {
    if (error instanceof Stop) throw error;
    const message = error instanceof Error ? error.message.replace(/^\d+:\d+: /, '') : String(error);
    throw new Stop(invalid(`XML syntax error: ${message}`, stack.at(-1)?.local, here()));
  }
  if (media === undefined) return invalid('no <media> root element');
  return build(media, vendorName, products, rootNamespace, versionAttribute, opts);
}
