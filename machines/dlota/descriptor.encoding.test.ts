import { describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import { charsetOf, decodeDescriptor } from './descriptor.encoding.js';

const dd = (encoding?: string) =>
  `<?xml version="1.0"${encoding === undefined ? '' : ` encoding="${encoding}"`}?>
<media xmlns="http://www.openmobilealliance.org/xmlns/dd"><name>Café</name><type>image/gif</type><size>1</size><objectURI>/o</objectURI></media>`;

const utf16 = (text: string, big: boolean, bom = true) => {
  const le = Buffer.from(`${bom ? '\ufeff' : ''}${text}`, 'utf16le');
  return big ? Buffer.from(le).swap16() : le;
};

const text = (result: ReturnType<typeof decodeDescriptor>) => {
  if (!result.ok) throw new Error(result.reason);
  return result.text;
};

describe('descriptor encodings (XML 1.0 §4.3.3, Appendix F)', () => {
  it(verifies('DL-DD-1', 'a byte order mark decides: UTF-8, UTF-16LE and UTF-16BE'), () => {
    expect(text(decodeDescriptor(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(dd())])))).toBe(
      dd(),
    );
    expect(text(decodeDescriptor(utf16(dd('UTF-16'), false)))).toBe(dd('UTF-16'));
    expect(text(decodeDescriptor(utf16(dd('UTF-16'), true)))).toBe(dd('UTF-16'));
    // Without a BOM, UTF-16 is recognised by its first "<?" (Appendix F).
    expect(text(decodeDescriptor(utf16(dd('UTF-16'), true, false)))).toBe(dd('UTF-16'));
  });

  it(verifies('DL-DD-1', 'the encoding declaration decides without a BOM: ISO-8859-1 Café is Café'), () => {
    const latin1 = Buffer.from(dd('ISO-8859-1'), 'latin1');
    expect(latin1.includes(Buffer.from([0x43, 0x61, 0x66, 0xe9]))).toBe(true);
    expect(text(decodeDescriptor(latin1))).toContain('<name>Café</name>');
    expect(text(decodeDescriptor(Buffer.from(dd('windows-1252').replace(/"/g, "'"), 'latin1')))).toContain(
      'Café',
    );
    // No declaration, no BOM: UTF-8.
    expect(text(decodeDescriptor(Buffer.from(dd())))).toContain('Café');
  });

  it(
    verifies('DL-DD-1', 'a charset parameter of the media type wins over the declaration (RFC 7303)'),
    () => {
      expect(charsetOf('application/vnd.oma.dd+xml; charset="ISO-8859-1"')).toBe('ISO-8859-1');
      expect(charsetOf('application/vnd.oma.dd+xml')).toBeUndefined();
      const latin1 = Buffer.from(dd('UTF-8'), 'latin1');
      expect(text(decodeDescriptor(latin1, 'application/vnd.oma.dd+xml;charset=iso-8859-1'))).toContain(
        'Café',
      );
    },
  );

  it(verifies('DL-DD-2', 'an unknown encoding, UTF-32 or malformed bytes → 906 naming the encoding'), () => {
    expect(decodeDescriptor(Buffer.from(dd('x-klingon')))).toMatchObject({
      ok: false,
      outcome: 'invalidDescriptor',
      reason: expect.stringContaining('"x-klingon"'),
    });
    expect(decodeDescriptor(Buffer.from([0xff, 0xfe, 0, 0, 0x3c, 0, 0, 0]))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('UTF-32LE'),
    });
    expect(decodeDescriptor(Buffer.from(dd('UTF-8'), 'latin1'))).toMatchObject({
      ok: false,
      outcome: 'invalidDescriptor',
      reason: expect.stringContaining('not valid UTF-8'),
    });
  });
});
