import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { b6Descriptor, type ParseResult, parseDescriptor } from '../../machines/dlota/index.js';
import { fcParams } from '../fc.js';
import { verifies } from '../verifies.js';

const BASE = 'http://host.foo.bar/dd/picture.dd';

/** Entity and DOCTYPE payloads: external entities, parameter entities, an entity bomb. */
const DOCTYPES = [
  '<!DOCTYPE media [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
  '<!DOCTYPE media SYSTEM "file:///etc/hostname">',
  '<!DOCTYPE media [<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd"> %p;]>',
  `<!DOCTYPE media [<!ENTITY a "aaaaaaaaaa">${Array.from({ length: 9 }, (_, i) => `<!ENTITY ${String.fromCharCode(98 + i)} "${`&${String.fromCharCode(97 + i)};`.repeat(10)}">`).join('')}]>`,
];

/** One way to damage a valid descriptor, printed as what it did. */
type Mutation = { readonly name: string; apply(xml: string): string };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constantFrom(...DOCTYPES).map(
    (doctype): Mutation => ({
      name: `doctype ${doctype.slice(0, 30)}…`,
      apply: (xml) => xml.replace(/^(<\?xml[^>]*\?>)?/, (decl) => `${decl}\n${doctype}\n`),
    }),
  ),
  fc.tuple(fc.nat(), fc.nat(200)).map(
    ([at, length]): Mutation => ({
      name: `cut ${length}@${at}`,
      apply: (xml) => {
        const i = at % (xml.length + 1);
        return xml.slice(0, i) + xml.slice(i + length);
      },
    }),
  ),
  fc.tuple(fc.nat(), fc.string({ unit: 'binary', maxLength: 12 })).map(
    ([at, text]): Mutation => ({
      name: `insert ${JSON.stringify(text)}@${at}`,
      apply: (xml) => {
        const i = at % (xml.length + 1);
        return xml.slice(0, i) + text + xml.slice(i);
      },
    }),
  ),
  fc.integer({ min: 50, max: 600 }).map(
    (depth): Mutation => ({
      name: `nest ${depth}`,
      apply: (xml) => xml.replace('</media>', `${'<x>'.repeat(depth)}${'</x>'.repeat(depth)}</media>`),
    }),
  ),
  fc.integer({ min: 4000, max: 20_000 }).map(
    (length): Mutation => ({
      name: `huge text ${length}`,
      apply: (xml) => xml.replace('<name>Picture</name>', `<name>${'P'.repeat(length)}</name>`),
    }),
  ),
  fc.constantFrom('&x;', '&amp;', '&#0;', '&#x110000;', ']]>', '<![CDATA[x]]>', '<?pi x?>', '<!-- c -->').map(
    (fragment): Mutation => ({
      name: `fragment ${fragment}`,
      apply: (xml) => xml.replace('<name>Picture</name>', `<name>Pic${fragment}ture</name>`),
    }),
  ),
  fc
    .constantFrom('1.0', '2.0', '3.0', 'x', '')
    .map((version): Mutation => ({ name: `version ${version}`, apply: () => b6Descriptor({ version }) })),
);

/** A valid DD with 0–4 mutations applied; prints as the list of mutations. */
const mutatedArb = fc.array(mutationArb, { maxLength: 4 }).map((mutations) => {
  const xml = mutations.reduce((text, m) => m.apply(text), b6Descriptor());
  return Object.assign(
    { xml },
    { [fc.toStringMethod]: () => mutations.map((m) => m.name).join(', ') || 'valid' },
  );
});

/** Anything at all: random strings, random bytes read as latin1, XML-ish token soup. */
const anyTextArb = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.uint8Array({ maxLength: 400 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  fc
    .array(
      fc.constantFrom(
        '<media>',
        '</media>',
        '<type>',
        '</type>',
        '<size>',
        '12',
        '</size>',
        '<',
        '>',
        '&',
        '"',
        'x',
      ),
      {
        maxLength: 40,
      },
    )
    .map((tokens) => tokens.join('')),
);

/** The contract: a valid DD with at least one product and object, or 906/951 with a reason; never a throw. */
function expectContract(result: ParseResult): void {
  if (result.ok) {
    expect(result.dd.products.length).toBeGreaterThan(0);
    for (const product of result.dd.products) {
      expect(product.mediaObjects.length).toBeGreaterThan(0);
      for (const object of product.mediaObjects) {
        expect(Number.isSafeInteger(object.size) && object.size > 0).toBe(true);
        expect(object.types.length).toBeGreaterThan(0);
        for (const uri of object.objectURIs) expect(uri).toMatch(/^https?:\/\//);
      }
    }
  } else {
    expect(['invalidDescriptor', 'invalidDDVersion']).toContain(result.outcome);
    expect(result.reason.trim().length).toBeGreaterThan(0);
  }
}

/**
 * Runs `body` with every file-reading and file-opening function of `node:fs` replaced by one that records
 * the call and throws (the ESM named exports are re-synced, so `import { readFileSync }` sees it too).
 */
function withFilesBlocked<T>(body: () => T): { result: T; calls: string[] } {
  const calls: string[] = [];
  const target = fs as unknown as Record<string, unknown>;
  const promises = fs.promises as unknown as Record<string, unknown>;
  const names = [
    'readFileSync',
    'openSync',
    'readFile',
    'open',
    'createReadStream',
    'readSync',
    'statSync',
    'existsSync',
  ];
  const saved = names.map((name) => [name, target[name]] as const);
  const savedPromises = ['readFile', 'open'].map((name) => [name, promises[name]] as const);
  const block = (name: string) => () => {
    calls.push(name);
    throw new Error(`file access during descriptor parsing: fs.${name}`);
  };
  for (const name of names) target[name] = block(name);
  for (const [name] of savedPromises) promises[name] = block(`promises.${name}`);
  syncBuiltinESMExports();
  try {
    return { result: body(), calls };
  } finally {
    for (const [name, fn] of saved) target[name] = fn;
    for (const [name, fn] of savedPromises) promises[name] = fn;
    syncBuiltinESMExports();
  }
}

describe('descriptor parser (fast-check)', () => {
  it(
    verifies(
      ['DL-DD-2', 'DL-DD-3', 'DL-DD-1'],
      'mutated DDs (DOCTYPE/entities, cuts, inserted bytes, deep nesting, huge text): a valid DD or 906/951 with a reason, never a throw, never a file access',
    ),
    () => {
      const { calls } = withFilesBlocked(() =>
        fc.assert(
          fc.property(mutatedArb, ({ xml }) => {
            const result = parseDescriptor(xml, { baseUrl: BASE, mediaType: 'application/vnd.oma.dd+xml' });
            expectContract(result);
            if (/<!DOCTYPE/i.test(xml)) expect(result.ok).toBe(false);
          }),
          fcParams(200),
        ),
      );
      expect(calls).toEqual([]);
    },
  );

  it(
    verifies('DL-DD-2', 'arbitrary text and random bytes: never a throw, always 906/951 or a valid DD'),
    () => {
      const { calls } = withFilesBlocked(() =>
        fc.assert(
          fc.property(
            anyTextArb,
            fc.constantFrom(undefined, 'application/vnd.oma.dd2+xml'),
            (xml, mediaType) => {
              const result = parseDescriptor(xml, { baseUrl: BASE, ...(mediaType ? { mediaType } : {}) });
              expectContract(result);
            },
          ),
          fcParams(500),
        ),
      );
      expect(calls).toEqual([]);
    },
  );

  it(verifies('DL-DD-2', 'deep nesting inside the size limit is rejected or parsed in bounded time'), () => {
    // 10 000 nested unknown elements are 70 kB, far below DD_MAX_BYTES; the parse must not be quadratic in depth.
    const depth = 10_000;
    const xml = b6Descriptor().replace('</media>', `${'<x>'.repeat(depth)}${'</x>'.repeat(depth)}</media>`);
    const started = performance.now();
    expectContract(parseDescriptor(xml, { baseUrl: BASE }));
    expect(performance.now() - started).toBeLessThan(250);
  });

  it('the file-access guard is real: a read while it is on is recorded and throws', () => {
    const { calls } = withFilesBlocked(() => {
      expect(() => fs.readFileSync('/etc/hostname')).toThrow(/file access/);
      return 0;
    });
    expect(calls).toEqual(['readFileSync']);
  });
});
