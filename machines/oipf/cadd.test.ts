import { describe, expect, it } from 'vitest';
import { verifies } from '../../property-tests/verifies.js';
import { checksumAlgorithmOf, parseCadd } from './cadd.js';

const CADD = `<?xml version="1.0" encoding="UTF-8"?>
<ContentAccessDownloadDescriptor xmlns="urn:oipf:iptv:ContentAccessDownloadDescriptor:2008-1">
  <ContentItem>
    <ContentURL>media/movie.mp4</ContentURL>
    <Title>The Movie</Title>
    <Synopsis>A film.</Synopsis>
    <ContentID>crid://tv.example/1</ContentID>
    <OriginSite>http://tv.example/</OriginSite>
    <OriginSiteName>TV Example</OriginSiteName>
    <TotalSize>1234</TotalSize>
    <TransferType>playable_download</TransferType>
    <Checksum algorithm="SHA-256">ABCDEF01</Checksum>
    <ParentalRating scheme="dvb-si">12</ParentalRating>
    <Unknown>ignored</Unknown>
  </ContentItem>
  <ContentItem><ContentURL>http://cdn.example/b.ts</ContentURL></ContentItem>
</ContentAccessDownloadDescriptor>`;

describe('parseCadd', () => {
  it(verifies('DAE-GET-2', 'reads every supported field and resolves relative URLs'), () => {
    const result = parseCadd(CADD, { baseUrl: 'http://tv.example/cadd/x.xml' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.items).toHaveLength(2);
    expect(result.items[0]).toEqual({
      contentURL: 'http://tv.example/cadd/media/movie.mp4',
      name: 'The Movie',
      description: 'A film.',
      contentID: 'crid://tv.example/1',
      originSite: 'http://tv.example/',
      originSiteName: 'TV Example',
      iconURL: undefined,
      totalSize: 1234,
      transferType: 'playable_download',
      checksum: { algorithm: 'sha256', value: 'abcdef01' },
      parentalRatings: [{ scheme: 'dvb-si', value: '12' }],
    });
    expect(result.items[1]?.transferType).toBe('full_download');
  });

  it(
    verifies(['DAE-GET-2', 'DAE-STATE-2'], 'rejects DOCTYPE (no entity expanded) and broken descriptors'),
    () => {
      const bomb = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><ContentAccessDownloadDescriptor><ContentItem><ContentURL>http://x/&a;</ContentURL></ContentItem></ContentAccessDownloadDescriptor>`;
      const cases: [string, RegExp][] = [
        [bomb, /DOCTYPE/],
        ['<media/>', /root element/],
        ['<ContentAccessDownloadDescriptor/>', /no ContentItem/],
        [
          '<ContentAccessDownloadDescriptor><ContentItem><Title>x</Title></ContentItem></ContentAccessDownloadDescriptor>',
          /ContentURL/,
        ],
        [
          '<ContentAccessDownloadDescriptor><ContentItem><ContentURL>ftp://x/a</ContentURL></ContentItem></ContentAccessDownloadDescriptor>',
          /http/,
        ],
        [
          '<ContentAccessDownloadDescriptor><ContentItem><ContentURL>http://x/a</ContentURL><TotalSize>-1</TotalSize></ContentItem></ContentAccessDownloadDescriptor>',
          /TotalSize/,
        ],
        [
          '<ContentAccessDownloadDescriptor><ContentItem><ContentURL>http://x/a</ContentURL><Checksum algorithm="crc32">00</Checksum></ContentItem></ContentAccessDownloadDescriptor>',
          /algorithm/,
        ],
        ['<ContentAccessDownloadDescriptor><ContentItem>', /well-formed/],
      ];
      for (const [xml, error] of cases) {
        const result = parseCadd(xml, { baseUrl: 'http://x/' });
        expect(result.ok, xml).toBe(false);
        if (!result.ok) expect(result.error).toMatch(error);
      }
    },
  );

  it('normalises checksum algorithm names', () => {
    expect(checksumAlgorithmOf('SHA-256')).toBe('sha256');
    expect(checksumAlgorithmOf('md5')).toBe('md5');
    expect(checksumAlgorithmOf('whirlpool')).toBeUndefined();
  });
});
