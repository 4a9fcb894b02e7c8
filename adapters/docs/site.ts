/**
 * Builds the static docs site: writes the generated Markdown pages (a spec page per registered machine, the
 * clause matrix, the editor's notes, the home page, the hand-written pages of `docs/pages/`) into a source
 * folder, then runs typedoc over them and the public API. Nothing is fetched: diagrams are pre-rendered SVG,
 * typedoc runs with no plugins and its default theme, which loads only its own local assets.
 *
 * @module
 */

import { existsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { Application, Logger, type LogLevel, TSConfigReader, type TypeDocOptions } from 'typedoc';
import { describeMachine } from '../../machines/describe.js';
import { MACHINES } from '../../machines/registry.js';
import { makeDir } from '../storage/make-dir.js';
import { readCoverage } from './coverage.js';
import { renderView } from './elk-diagram.js';
import { lifecycleView, projectLifecycle } from './lifecycle.js';
import { machinePage, machinePageFile } from './machine-page.js';
import { frontMatter } from './markdown.js';
import { matrixPage, notesPage } from './matrix-page.js';
import { diagramViews } from './views.js';

/**
 * The public API the reference documents, repo-relative; globs allowed. The one list to edit when an entry
 * point lands (the agent and manager runtimes add theirs here). A literal path that does not exist yet is
 * skipped with a note, so the docs build while other parts are in progress.
 */
export const DOC_ENTRY_POINTS: readonly string[] = Object.freeze([
  'machines/*/index.ts',
  'machines/clauses.ts',
  'machines/registry.ts',
  'adapters/server/server.ts',
  'adapters/http/client.ts',
  'adapters/storage/index.ts',
  'adapters/notify/index.ts',
  'adapters/agent/index.ts',
  'adapters/oipf/index.ts',
]);

/** Where the build reads and writes, all under `root` unless absolute. */
export interface SiteOptions {
  /** The repository root. */
  readonly root: string;
  /** Output folder of the HTML site, absolute or relative to `root`. @default 'docs/site' */
  readonly out?: string;
  /** Folder the generated Markdown goes to (wiped first), absolute or relative to `root`. @default 'docs/site-src' */
  readonly src?: string;
  /** Called with each progress line; typedoc's own messages come through {@link BuiltSite.messages}. */
  readonly log?: (line: string) => void;
}

/** A typedoc message. */
export interface SiteMessage {
  readonly level: 'error' | 'warn' | 'info';
  readonly text: string;
}

/** What a build produced. */
export interface BuiltSite {
  /** Absolute output folder. */
  readonly out: string;
  /** Site-relative HTML path of each machine's spec page, by machine id. */
  readonly specPages: ReadonlyMap<string, string>;
  /** Typedoc's warnings and errors. */
  readonly messages: readonly SiteMessage[];
  /** Entry points skipped because their file does not exist yet. */
  readonly skippedEntryPoints: readonly string[];
  /** Whether the coverage report was found. */
  readonly coverage: boolean;
}

/** Collects typedoc's messages instead of printing them. */
class CollectingLogger extends Logger {
  readonly messages: SiteMessage[] = [];

  override log(message: string, level: LogLevel): void {
    // LogLevel: 0 verbose, 1 info, 2 warn, 3 error.
    if (level >= 3) this.messages.push({ level: 'error', text: message });
    else if (level === 2) this.messages.push({ level: 'warn', text: message });
  }
}

const HOME = `${frontMatter({ title: 'dlstate' })}# dlstate: the spec as statecharts

Two download specifications — **OMA DLOTA 2.0** (a download agent with pause/resume by HTTP ranges) and the
**OIPF DAE download manager** (with its HbbTV profile) — authored as XState v5 statecharts. Every page here is
derived from the charts and the clause registry.

- **Spec pages**, one per machine: an overview diagram with compound states to drill into, the states and
  transitions in reading order with their clause ids, each clause's statement and source (the specification
  section), and the editor's notes; the download lifecycle page adds the DAE's Figure 12 as an application sees it.
- **Clause matrix**: one row per clause (status, strength, side, source, elements, tests), details on demand,
  filters.
- **Editor's notes**: our decisions where the seeds are ambiguous.
- **Getting started**: install, run the demo and the tests, use the library.
- The **API reference** of the public exports follows in the navigation.

The site is built by \`npm run docs\` into \`docs/site/\`, offline.
`;

/** Splits {@link DOC_ENTRY_POINTS} into those to pass to typedoc and literal paths that do not exist. */
export function resolveEntryPoints(root: string): { use: string[]; skipped: string[] } {
  const use: string[] = [];
  const skipped: string[] = [];
  for (const entry of DOC_ENTRY_POINTS) {
    if (entry.includes('*') || existsSync(join(root, entry))) use.push(entry);
    else skipped.push(entry);
  }
  return { use, skipped };
}

/** Replaces `<!-- include: path -->` lines of a hand-written page with the file's text as a fenced block. */
export async function expandIncludes(markdown: string, root: string): Promise<string> {
  const pattern = /^<!--\s*include:\s*(\S+)\s*-->$/gm;
  let out = markdown;
  for (const match of markdown.matchAll(pattern)) {
    const path = match[1] ?? '';
    const text = await readFile(join(root, path), 'utf8');
    const lang = path.endsWith('.ts') ? 'ts' : 'text';
    out = out.replace(match[0], `\`\`\`${lang}\n// ${path}\n${text.trimEnd()}\n\`\`\``);
  }
  return out;
}

/** The site's script (written into `src` by {@link writePages}, shipped by typedoc as `customJs`). */
export const SPEC_JS = 'spec.js';

/**
 * The site's one script: the vendored svg-pan-zoom (so the site works offline), then `docs/assets/spec.js`
 * (matrix filters, diagram drill-down and row links).
 */
export async function siteScript(root: string): Promise<string> {
  const panZoom = await readFile(
    join(root, 'node_modules', 'svg-pan-zoom', 'dist', 'svg-pan-zoom.min.js'),
    'utf8',
  );
  const ours = await readFile(join(root, 'docs', 'assets', 'spec.js'), 'utf8');
  return `/* svg-pan-zoom (BSD-2-Clause), vendored by the dlstate docs build */\n${panZoom}\n${ours}`;
}

/** Writes every Markdown page into `src` (wiped first); returns the page file names in navigation order. */
export async function writePages(root: string, src: string): Promise<{ files: string[]; coverage: boolean }> {
  await rm(src, { recursive: true, force: true });
  await makeDir(src);
  const coverage = await readCoverage(join(root, 'generated', 'coverage.json'));
  const described = MACHINES.map((entry) => ({
    machine: entry,
    description: describeMachine(entry.machine),
  }));
  const files: string[] = [];
  const write = async (name: string, text: string): Promise<void> => {
    await writeFile(join(src, name), text);
    files.push(name);
  };
  await writeFile(join(src, 'index.md'), HOME);
  await writeFile(join(src, SPEC_JS), await siteScript(root));
  const pagesDir = join(root, 'docs', 'pages');
  const handWritten = existsSync(pagesDir)
    ? (await readdir(pagesDir)).filter((f) => f.endsWith('.md')).sort()
    : [];
  for (const name of handWritten) {
    await write(name, await expandIncludes(await readFile(join(pagesDir, name), 'utf8'), root));
  }
  for (const { machine, description } of described) {
    const mmd = join(root, 'generated', `${machine.id}.mmd`);
    const mermaidSource = existsSync(mmd) ? await readFile(mmd, 'utf8') : undefined;
    const views = await Promise.all(
      diagramViews(description).map(async (view, i) => ({ view, svg: await renderView(view, i) })),
    );
    const lifecycle = projectLifecycle(description);
    const page = machinePage({
      machine,
      description,
      views,
      ...(lifecycle
        ? { lifecycle: { lifecycle, svg: await renderView(lifecycleView(lifecycle), views.length) } }
        : {}),
      ...(coverage ? { coverage } : {}),
      ...(mermaidSource ? { mermaidSource } : {}),
    });
    await write(machinePageFile(machine.id), page);
  }
  await write('clause-matrix.md', matrixPage(described, coverage));
  await write('editors-notes.md', notesPage());
  return { files, coverage: coverage !== undefined };
}

/** The typedoc options of the site (no plugins, nothing remote, our CSS for the diagrams). */
export function typedocOptions(
  root: string,
  src: string,
  out: string,
  entryPoints: readonly string[],
  documents: readonly string[],
): TypeDocOptions {
  return {
    name: 'dlstate',
    tsconfig: join(root, 'tsconfig.json'),
    entryPoints: entryPoints.map((e) => join(root, e)),
    entryPointStrategy: 'resolve',
    readme: join(src, 'index.md'),
    projectDocuments: documents.map((d) => join(src, d)),
    out,
    plugin: [],
    // Other parts of the tree may be half-written while the docs build; type errors are `npm test`'s job.
    skipErrorChecking: true,
    excludePrivate: true,
    excludeInternal: true,
    excludeExternals: true,
    // Source links would point at a git remote; the site is read offline, so it names files without links.
    disableSources: true,
    hideGenerator: true,
    githubPages: false,
    cleanOutputDir: true,
    searchInDocuments: true,
    // linkify would turn prose like `Download.id` or `clauses.md` into links to made-up hosts.
    markdownItOptions: { html: true, linkify: false },
    customCss: join(root, 'docs', 'assets', 'spec.css'),
    customJs: join(src, SPEC_JS),
    basePath: root,
    groupOrder: ['Documents', 'Spec', 'Guides', '*'],
    navigation: { includeCategories: false, includeGroups: true, includeFolders: true },
    validation: {
      notExported: false,
      invalidLink: true,
      rewrittenLink: true,
      notDocumented: false,
      unusedMergeModuleWith: true,
    },
    treatWarningsAsErrors: false,
    sort: ['documents-first', 'kind', 'alphabetical'],
    logLevel: 'Warn',
  };
}

async function specPagesOf(out: string): Promise<Map<string, string>> {
  const pages = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.name.endsWith('.html')) {
        const match = /class="dl-diagram" data-machine="([^"]+)"/.exec(await readFile(path, 'utf8'));
        if (match?.[1]) pages.set(match[1], relative(out, path).replace(/\\/g, '/'));
      }
    }
  };
  await walk(out);
  return pages;
}

/** Builds the whole site: pages, then typedoc. Throws when typedoc reports an error. */
export async function buildSite(options: SiteOptions): Promise<BuiltSite> {
  const root = options.root;
  // resolve, not join: an absolute folder (a test's temporary one) is used as given, not re-rooted under `root`.
  const out = resolve(root, options.out ?? join('docs', 'site'));
  const src = resolve(root, options.src ?? join('docs', 'site-src'));
  const log = options.log ?? (() => {});
  const { files, coverage } = await writePages(root, src);
  log(
    `wrote ${files.length + 1} pages to ${relative(root, src)}${coverage ? '' : ' (coverage report not generated yet)'}`,
  );
  const { use, skipped } = resolveEntryPoints(root);
  for (const s of skipped) log(`entry point ${s} does not exist yet: skipped`);
  const app = await Application.bootstrapWithPlugins(typedocOptions(root, src, out, use, files), [
    new TSConfigReader(),
  ]);
  const logger = new CollectingLogger();
  app.logger = logger;
  const project = await app.convert();
  if (!project) throw new Error(`typedoc could not convert the project:\n${format(logger.messages)}`);
  app.validate(project);
  await makeDir(dirname(out));
  await app.generateDocs(project, out);
  if (logger.messages.some((m) => m.level === 'error')) {
    throw new Error(`typedoc reported errors:\n${format(logger.messages)}`);
  }
  const specPages = await specPagesOf(out);
  log(`site written to ${relative(root, out)}: ${specPages.size} spec pages`);
  return { out, specPages, messages: logger.messages, skippedEntryPoints: skipped, coverage };
}

/** Typedoc messages as printable lines. */
export function format(messages: readonly SiteMessage[]): string {
  return messages.map((m) => `[${m.level}] ${m.text}`).join('\n');
}
