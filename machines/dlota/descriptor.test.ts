import { describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import { isDescriptorMediaType, parseDDVersion, parseSize, resolveHttpUri } from './descriptor.fields.js';
import { parseDescriptor } from './descriptor.js';
import {
  DD_MAX_BYTES,
  DD_MAX_DEPTH,
  DD_MAX_MEDIA_OBJECTS,
  DD_MAX_PRODUCTS,
  DD_MAX_TEXT_BYTES,
} from './descriptor.types.js';

const base = { baseUrl: 'http://host.foo.bar/dd/picture.dd' };
const dd1 = (body: string) => `<media xmlns="http://www.openmobilealliance.org/xmlns/dd">${body}</media>`;
const minimal = '<type>image/gif</type><size>10</size><objectURI>a.gif</objectURI>';
const object = (n: number) =>
  `<mediaObject><size>${n}</size><type>a/b</type><objectURI><server>o${n}</server></objectURI></mediaObject>`;
const dd2 = (inner: string, version = '2.0') =>
  `<media xmlns="urn:oma:xml:dl:dd:2.0" DDVersion="${version}">${inner}</media>`;

describe('parseDescriptor', () => {
  it(
    verifies(
      ['DL-DD-1', 'DL-DD-5'],
      'DD 1.0 into the common model, relative URIs resolved against the DD URL',
    ),
    () => {
      const result = parseDescriptor(
        dd1(`${minimal}<name>Pic</name><vendor>ACME</vendor><installNotifyURI>/n</installNotifyURI>
           <nextURL>../next</nextURL><DDVersion>1.0</DDVersion><installParam>-x</installParam>`),
        { ...base, mediaType: 'application/vnd.oma.dd+xml; charset=utf-8' },
      );
      expect(result).toEqual({
        ok: true,
        dd: {
          version: '1.0',
          shape: 'dd1',
          namespace: 'http://www.openmobilealliance.org/xmlns/dd',
          name: 'Pic',
          vendor: 'ACME',
          installNotifyURI: 'http://host.foo.bar/n',
          nextURL: 'http://host.foo.bar/next',
          suppressUserConfirmation: 'Never',
          products: [
            {
              name: 'Pic',
              installParam: '-x',
              installNotifyURI: 'http://host.foo.bar/n',
              suppressUserConfirmation: 'Never',
              mediaObjects: [
                {
                  size: 10,
                  types: ['image/gif'],
                  objectURIs: ['http://host.foo.bar/dd/a.gif'],
                  name: 'Pic',
                  installParam: '-x',
                },
              ],
            },
          ],
        },
      });
    },
  );

  it(
    verifies(
      ['DL-DD-1', 'DL-DD-5'],
      'DD 2.0: vendor, products, meta, several servers, objectID/Version, updatedDDURI',
    ),
    () => {
      const result = parseDescriptor(
        dd2(`<vendor><name>ACME</name></vendor>
        <product><meta><name>P</name><installNotifyURI>n</installNotifyURI>
          <suppressUserConfirmation>UserConfirmStepOnly</suppressUserConfirmation></meta>
          <mediaObject><meta><name>first</name></meta><size>1,000</size><installSize>2000</installSize>
            <type>a/b</type><type>a/c</type><objectID>id</objectID><objectVersion>3</objectVersion>
            <progressiveDownloadFlag>true</progressiveDownloadFlag>
            <objectURI><server>x.bin</server><server>https://mirror/x.bin</server></objectURI></mediaObject>
        </product><updatedDDURI>v2.dd2</updatedDDURI>`),
        { ...base, mediaType: 'application/vnd.oma.dd2+xml' },
      );
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.dd).toMatchObject({
        version: '2.0',
        shape: 'dd2',
        vendor: 'ACME',
        updatedDDURI: 'http://host.foo.bar/dd/v2.dd2',
      });
      expect(result.dd.suppressUserConfirmation).toBe('UserConfirmStepOnly');
      expect(result.dd.products[0]).toMatchObject({
        name: 'P',
        installNotifyURI: 'http://host.foo.bar/dd/n',
      });
      expect(result.dd.products[0]?.mediaObjects[0]).toEqual({
        size: 1000,
        installSize: 2000,
        types: ['a/b', 'a/c'],
        objectURIs: ['http://host.foo.bar/dd/x.bin', 'https://mirror/x.bin'],
        objectID: 'id',
        objectVersion: '3',
        name: 'first',
        progressiveDownload: true,
      });
    },
  );

  it(verifies('DL-DD-4', 'unknown elements, foreign namespaces and comments are ignored'), () => {
    const result = parseDescriptor(
      dd1(
        `${minimal}<future><size>999</size></future><x:ext xmlns:x="urn:x"><x:size>5</x:size></x:ext><!-- c -->`,
      ),
      base,
    );
    expect(result.ok && result.dd.products[0]?.mediaObjects[0]?.size).toBe(10);
  });

  it.each([
    ['missing size', dd1('<type>a/b</type><objectURI>a</objectURI>'), 'size'],
    ['missing type', dd1('<size>1</size><objectURI>a</objectURI>'), 'type'],
    ['missing objectURI', dd1('<type>a/b</type><size>1</size>'), 'objectURI'],
    ['zero size', dd1('<type>a/b</type><size>0</size><objectURI>a</objectURI>'), 'size'],
    ['negative size', dd1('<type>a/b</type><size>-5</size><objectURI>a</objectURI>'), 'size'],
    ['two sizes', dd1(`${minimal}<size>11</size>`), 'size'],
    ['ftp objectURI', dd1('<type>a/b</type><size>1</size><objectURI>ftp://x/a</objectURI>'), 'objectURI'],
    [
      'javascript objectURI',
      dd1('<type>a/b</type><size>1</size><objectURI>javascript:alert(1)</objectURI>'),
      'objectURI',
    ],
    ['DD 2.0 without product', dd2('<nextURL>x</nextURL>'), 'product'],
    ['product without mediaObject', dd2('<product><meta><name>p</name></meta></product>'), 'product'],
    ['bad DDVersion', dd1(`${minimal}<DDVersion>one</DDVersion>`), 'DDVersion'],
    ['wrong root', '<descriptor/>', 'descriptor'],
  ])(verifies('DL-DD-2', '906 for %s'), (_name, xml, element) => {
    const result = parseDescriptor(xml, base);
    expect(result).toMatchObject({ ok: false, outcome: 'invalidDescriptor', element });
    expect(result.ok ? '' : result.reason).not.toBe('');
  });

  it(verifies('DL-DD-2', 'syntax errors give 906 with line and column'), () => {
    const result = parseDescriptor('<media>\n  <type>a</type>\n  <size>1</sise>\n</media>', base);
    expect(result).toMatchObject({ ok: false, outcome: 'invalidDescriptor', line: 3 });
    expect(result.ok ? 0 : result.column).toBeGreaterThan(0);
    expect(result.ok ? '' : result.reason).toMatch(/XML syntax error/);
  });

  it(verifies('DL-DD-2', 'DOCTYPE, external entities and entity bombs are rejected, never expanded'), () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE media [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
      <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><media><type>&c;</type></media>`;
    const xxe = '<!DOCTYPE media [<!ENTITY x SYSTEM "file:///etc/passwd">]><media><name>&x;</name></media>';
    for (const xml of [bomb, xxe]) {
      const result = parseDescriptor(xml, base);
      expect(result).toMatchObject({
        ok: false,
        outcome: 'invalidDescriptor',
        reason: expect.stringMatching(/DOCTYPE/),
      });
    }
    expect(parseDescriptor(dd1(`${minimal}<name>&undefined;</name>`), base)).toMatchObject({
      ok: false,
      outcome: 'invalidDescriptor',
    });
  });

  it(verifies('DL-DD-3', 'an unsupported major DDVersion is 951, checked before the structure'), () => {
    expect(parseDescriptor(dd2('<whatever/>', '3.0'), base)).toMatchObject({
      ok: false,
      outcome: 'invalidDDVersion',
    });
    expect(parseDescriptor(dd1(`${minimal}<DDVersion>0.9</DDVersion>`), base)).toMatchObject({
      outcome: 'invalidDDVersion',
    });
    expect(parseDescriptor(dd1(`${minimal}<DDVersion>1.5</DDVersion>`), base).ok).toBe(true);
  });

  it(verifies('DL-DD-2', 'stated limits are enforced as 906 with the reason'), () => {
    const products = dd2(
      Array.from({ length: DD_MAX_PRODUCTS + 1 }, () => `<product>${object(1)}</product>`).join(''),
    );
    expect(parseDescriptor(products, base)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/products/),
    });
    const objects = dd2(
      `<product>${Array.from({ length: DD_MAX_MEDIA_OBJECTS + 1 }, (_, i) => object(i + 1)).join('')}</product>`,
    );
    expect(parseDescriptor(objects, base)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/media objects/),
    });
    const text = dd1(`${minimal}<description>${'é'.repeat(DD_MAX_TEXT_BYTES / 2 + 1)}</description>`);
    expect(parseDescriptor(text, base)).toMatchObject({ ok: false, element: 'description' });
    const big = dd1(`${minimal}<!--${'x'.repeat(DD_MAX_BYTES)}-->`);
    expect(parseDescriptor(big, base)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/larger than/),
    });
    expect(parseDescriptor(dd2(`<product>${object(1)}</product>`.repeat(DD_MAX_PRODUCTS)), base).ok).toBe(
      true,
    );
  });

  it(
    verifies(
      'DL-INST-4',
      'an invalid DD that still names its notify URI carries it, so the 906 can be reported',
    ),
    () => {
      const result = parseDescriptor(dd1('<type>a</type><installNotifyURI>/n</installNotifyURI>'), base);
      expect(result).toMatchObject({ ok: false, installNotifyURI: 'http://host.foo.bar/n' });
    },
  );

  it(
    verifies('DL-DD-2', 'a response that is not a descriptor media type is 906; never throws on garbage'),
    () => {
      expect(parseDescriptor(dd1(minimal), { ...base, mediaType: 'text/html' })).toMatchObject({ ok: false });
      expect(parseDescriptor(dd1(minimal), { ...base, mediaType: 'text/xml' }).ok).toBe(true);
      for (const garbage of ['', '<', '\u0000', '<media', '<?xml?>', 'null', '<media></media>']) {
        expect(parseDescriptor(garbage, base).ok).toBe(false);
      }
      expect(parseDescriptor(dd1(minimal), { baseUrl: 'not a url' })).toMatchObject({
        ok: false,
        element: 'objectURI',
      });
    },
  );
});

describe('descriptor field readers', () => {
  it(verifies('DL-DD-2', 'sizes: positive integers, thousands separators tolerated'), () => {
    expect(parseSize('25432')).toBe(25432);
    expect(parseSize(' 25,432 ')).toBe(25432);
    expect(parseSize('1,000,000')).toBe(1_000_000);
    for (const bad of ['', '0', '-1', '1.5', '1,00', '12,3456', 'ten', '9007199254740993'])
      expect(parseSize(bad), bad).toBeNull();
  });

  it(verifies('DL-DD-3', 'DDVersion parses as major.minor'), () => {
    expect(parseDDVersion('2.0')).toEqual({ major: 2, minor: 0 });
    expect(parseDDVersion('2')).toBeNull();
  });

  it(verifies(['DL-RET-1', 'DL-DD-5'], 'URIs resolve against the DD URL and must be http(s)'), () => {
    expect(resolveHttpUri('x', 'https://h/a/b.dd')).toBe('https://h/a/x');
    expect(resolveHttpUri('//other/x', 'http://h/')).toBe('http://other/x');
    expect(resolveHttpUri('data:,x', 'http://h/')).toBeNull();
    expect(isDescriptorMediaType(undefined)).toBe(true);
  });
});

describe('descriptor nesting limit', () => {
  it(
    verifies(
      'DL-DD-2',
      'elements nested deeper than DD_MAX_DEPTH are a 906 with the reason, not a slow parse',
    ),
    () => {
      const deep = `<media xmlns="http://www.openmobilealliance.org/xmlns/dd">${'<x>'.repeat(DD_MAX_DEPTH)}${'</x>'.repeat(DD_MAX_DEPTH)}</media>`;
      const result = parseDescriptor(deep, { baseUrl: 'http://dd.example/x.dd' });
      expect(result).toMatchObject({ ok: false, outcome: 'invalidDescriptor' });
      expect(result.ok ? '' : result.reason).toMatch(/nested deeper than 32/);
    },
  );
});
