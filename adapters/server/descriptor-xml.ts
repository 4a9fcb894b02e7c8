/**
 * Renders the DD 2.0 document (`application/vnd.oma.dd2+xml`) the reference server offers for a media object.
 *
 * @module
 */

/** The media type of a DD 2.0 document. */
export const DD2_MEDIA_TYPE = 'application/vnd.oma.dd2+xml';

/** Everything the server writes into one descriptor. */
export interface DescriptorDocument {
  readonly name: string;
  readonly size: number;
  readonly types: readonly string[];
  readonly objectID: string;
  readonly objectVersion: string;
  readonly objectURI: string;
  readonly installNotifyURI?: string;
  readonly updatedDDURI?: string;
  readonly nextURL?: string;
  readonly description?: string;
  readonly vendor?: string;
  readonly suppressUserConfirmation?: string;
}

/** Escapes text for an XML element or attribute value. */
export function escapeXml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' }[c]};`,
  );
}

function element(name: string, value: string | number | undefined, indent: string): string {
  return value === undefined ? '' : `${indent}<${name}>${escapeXml(String(value))}</${name}>\n`;
}

/** A DD 2.0 document with one product holding one media object. */
export function renderDescriptor(dd: DescriptorDocument): string {
  const types = dd.types.map((t) => element('type', t, '      ')).join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<media xmlns="urn:oma:xml:dl:dd:2.0" DDVersion="2.0">\n' +
    (dd.vendor ? `  <vendor>\n${element('name', dd.vendor, '    ')}  </vendor>\n` : '') +
    '  <product>\n' +
    '    <meta>\n' +
    element('name', dd.name, '      ') +
    element('description', dd.description, '      ') +
    element('installNotifyURI', dd.installNotifyURI, '      ') +
    element('suppressUserConfirmation', dd.suppressUserConfirmation, '      ') +
    '    </meta>\n' +
    '    <mediaObject>\n' +
    `      <meta>\n${element('name', dd.name, '        ')}      </meta>\n` +
    element('size', dd.size, '      ') +
    types +
    element('objectID', dd.objectID, '      ') +
    element('objectVersion', dd.objectVersion, '      ') +
    `      <objectURI>\n${element('server', dd.objectURI, '        ')}      </objectURI>\n` +
    '    </mediaObject>\n' +
    '  </product>\n' +
    element('updatedDDURI', dd.updatedDDURI, '  ') +
    element('nextURL', dd.nextURL, '  ') +
    '</media>\n'
  );
}
