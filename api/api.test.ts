import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  exports: Record<string, string | { types: string; default: string }>;
};

/** `./dist/api/machines/index.d.ts` → `api/machines/index.ts` (the source the build emits it from). */
function sourceOf(types: string): string {
  return types.replace(/^\.\/dist\//, '').replace(/\.d\.ts$/, '.ts');
}

const entries = Object.entries(pkg.exports).flatMap(([subpath, target]) =>
  typeof target === 'string' ? [] : [{ subpath, source: sourceOf(target.types), target }],
);

const program = ts.createProgram(
  entries.map((e) => e.source),
  {
    strict: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
    skipLibCheck: true,
  },
);
const checker = program.getTypeChecker();

/** Every export of an entry that has no doc comment on any declaration (nor on the re-export that renames it). */
function undocumented(source: string): string[] {
  const file = program.getSourceFile(join(process.cwd(), source)) ?? program.getSourceFile(source);
  if (!file) throw new Error(`${source} is not in the program`);
  const moduleSymbol = checker.getSymbolAtLocation(file)!;
  const missing: string[] = [];
  for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
    const direct = symbol.getDocumentationComment(checker);
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const docs = direct.length > 0 ? direct : target.getDocumentationComment(checker);
    if (ts.displayPartsToString(docs).trim() === '') missing.push(symbol.getName());
  }
  return missing.sort();
}

describe('the public entries (package.json exports)', () => {
  it('are the root and the documented subpaths, each with types and ESM code', () => {
    expect(entries.map((e) => e.subpath)).toEqual([
      '.',
      './machines',
      './agent',
      './server',
      './manager',
      './clauses',
      './testing',
    ]);
    for (const { target } of entries) {
      expect(target.default).toBe(target.types.replace(/\.d\.ts$/, '.js'));
      expect(target.types).toMatch(/^\.\/dist\/api\/(.+\/)?index\.d\.ts$/);
    }
  });

  for (const { subpath, source } of entries) {
    it(`every symbol of ${subpath === '.' ? 'dlstate' : `dlstate/${subpath.slice(2)}`} has a JSDoc line`, () => {
      expect(undocumented(source)).toEqual([]);
    });
  }
});
