/**
 * Test support: type-checks small TypeScript projects written into a temp dir, the way a third-party
 * project would compile them (strict). Parsed files of `node_modules` (TypeScript's libs, xstate's
 * declarations) are cached across calls, so each extra check in a test file costs only its own files.
 *
 * @module
 */
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/** The strict settings a careful third-party project uses. */
export const STRICT_OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  noUnusedLocals: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  skipLibCheck: true,
  types: [],
};

const cache = new Map<string, ts.SourceFile>();

function cachingHost(options: ts.CompilerOptions): ts.CompilerHost {
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    if (!fileName.includes('/node_modules/')) return read(fileName, languageVersion, onError, shouldCreate);
    const key = `${fileName}:${JSON.stringify(languageVersion)}`;
    let file = cache.get(key);
    if (!file) {
      file = read(fileName, languageVersion, onError, shouldCreate);
      if (file) cache.set(key, file);
    }
    return file;
  };
  return host;
}

/**
 * Writes `files` (name → text) and a `{ "type": "module" }` package.json into `dir`, type-checks them with
 * {@link STRICT_OPTIONS} plus `options`, and returns each diagnostic as `file:line message` (file relative
 * to `dir`). Only diagnostics inside `dir` are returned unless `all` is set: the repo's own files are
 * checked by its own tsconfig.
 */
export function typecheck(
  dir: string,
  files: Readonly<Record<string, string>>,
  options: ts.CompilerOptions = {},
  all = false,
): string[] {
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const merged = { ...STRICT_OPTIONS, ...options };
  const program = ts.createProgram({
    rootNames: Object.keys(files).map((name) => join(dir, name)),
    options: merged,
    host: cachingHost(merged),
  });
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => all || !d.file || !relative(dir, d.file.fileName).startsWith('..'))
    .map((d) => {
      const where = d.file
        ? `${relative(dir, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
        : '';
      return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
}
