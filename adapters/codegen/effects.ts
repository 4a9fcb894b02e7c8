/**
 * Reads a machine's `<Name>Effects` interface and `<Name>Event` union from its `*.types.ts` file with
 * ts-morph: member names, their params type text and JSDoc, the event type names — and, for ports emitted
 * outside the repo, the text of every declaration those types need, so the port stands alone.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  type InterfaceDeclaration,
  Node,
  Project,
  SyntaxKind,
  type TypeAliasDeclaration,
  TypeFormatFlags,
  ts,
} from 'ts-morph';

/** One member of an effects interface. */
export interface EffectMember {
  /** The action name (`httpGet`). */
  readonly name: string;
  /** The params type as written in the interface (`{ readonly uri: string }`, `HttpGetParams`). */
  readonly typeText: string;
  /** The member's JSDoc description, without the comment markers; empty when it has none. */
  readonly doc: string;
}

/** What the generator knows about one machine's types file. */
export interface EffectsInfo {
  /** The repo-relative path actually read (the `.ts` source, or the `.d.ts` of an installed package). */
  readonly typesPath: string;
  readonly effectsInterface: string;
  /** Members in declaration order. */
  readonly members: readonly EffectMember[];
  /** Name of the event union (`<Name>Event`) when the file declares it. */
  readonly eventType?: string;
  /** The `type` of every event of the union, in declaration order. */
  readonly events: readonly string[];
  /**
   * Self-contained declarations of the effects interface, the event union and every type they reference
   * from this repo, for a port emitted outside the repo. Types from packages stay references (see
   * {@link EffectsInfo.unresolved}).
   */
  readonly standalone: string;
  /** Names referenced by the effect/event types that could not be inlined (declared in a package). */
  readonly unresolved: readonly string[];
}

/** Reads effects and events from the types files of several machines with one ts-morph project. */
export class EffectsReader {
  private readonly project = new Project({
    skipAddingFilesFromTsConfig: true,
    compilerOptions: {
      strict: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      skipLibCheck: true,
    },
  });

  constructor(private readonly root: string) {}

  private static readonly shared = new Map<string, EffectsReader>();

  /**
   * One reader per package root for the whole process: a second run (a test, `--check` after a write)
   * reuses the parsed project after refreshing every file from disk, instead of parsing it all again.
   */
  static forRoot(root: string): EffectsReader {
    let reader = EffectsReader.shared.get(root);
    if (reader) {
      for (const file of reader.project.getSourceFiles()) file.refreshFromFileSystemSync();
    } else {
      reader = new EffectsReader(root);
      EffectsReader.shared.set(root, reader);
    }
    return reader;
  }

  /** Reads `effectsInterface` (and the matching `…Event` union) from the repo-relative `typesFile`. */
  read(typesFile: string, effectsInterface: string): EffectsInfo {
    const typesPath = resolveTypesSource(this.root, typesFile);
    const file =
      this.project.getSourceFile(join(this.root, typesPath)) ??
      this.project.addSourceFileAtPath(join(this.root, typesPath));
    this.project.resolveSourceFileDependencies();
    const effects = file.getInterface(effectsInterface);
    if (!effects) {
      throw new Error(
        `${typesPath}: no interface ${effectsInterface} (the machine's effects, by convention)`,
      );
    }
    const members = effects.getProperties().map((p) => ({
      name: p.getName(),
      typeText: p.getTypeNode()?.getText() ?? p.getType().getText(p, TypeFormatFlags.NoTruncation),
      doc: p
        .getJsDocs()
        .map((d) => d.getDescription().trim())
        .join('\n'),
    }));
    const eventName = effectsInterface.replace(/Effects$/, 'Event');
    const eventAlias = eventName === effectsInterface ? undefined : file.getTypeAlias(eventName);
    const events = eventAlias ? eventTypes(eventAlias) : [];
    const { text, unresolved } = standaloneText(effects, eventAlias);
    return {
      typesPath,
      effectsInterface,
      members,
      ...(eventAlias ? { eventType: eventName } : {}),
      events,
      standalone: text,
      unresolved,
    };
  }
}

/**
 * The types file to read: the `.ts` source in a checkout, else the `.d.ts` that `tsc` emitted into `dist/`
 * (an installed package ships no sources).
 */
export function resolveTypesSource(root: string, typesFile: string): string {
  if (existsSync(join(root, typesFile))) return typesFile;
  const declaration = join('dist', typesFile.replace(/\.ts$/, '.d.ts'));
  if (existsSync(join(root, declaration))) return declaration.split('\\').join('/');
  throw new Error(`types file not found: ${typesFile} (nor ${declaration})`);
}

function eventTypes(alias: TypeAliasDeclaration): string[] {
  const names: string[] = [];
  for (const member of alias.getType().getUnionTypes().length
    ? alias.getType().getUnionTypes()
    : [alias.getType()]) {
    const type = member.getProperty('type');
    if (!type) continue;
    const literal = type.getTypeAtLocation(alias).getLiteralValue();
    if (typeof literal === 'string' && !names.includes(literal)) names.push(literal);
  }
  return names;
}

type Declaration = InterfaceDeclaration | TypeAliasDeclaration | Node;

/**
 * The effects interface, the event union and, transitively, every interface, type alias and enum of this
 * repo they reference, as declaration text in dependency-first order. A type alias written with `typeof`
 * (e.g. `keyof typeof TABLE`) is printed expanded by the checker instead, since its value is not copied.
 */
function standaloneText(
  effects: InterfaceDeclaration,
  events: TypeAliasDeclaration | undefined,
): { text: string; unresolved: string[] } {
  const ordered: Declaration[] = [];
  const seen = new Set<Node>();
  const unresolved = new Set<string>();
  const visit = (decl: Declaration): void => {
    if (seen.has(decl)) return;
    seen.add(decl);
    if (Node.isTypeAliasDeclaration(decl) && decl.getDescendantsOfKind(SyntaxKind.TypeQuery).length > 0) {
      ordered.push(decl);
      return;
    }
    for (const ref of decl.getDescendantsOfKind(SyntaxKind.TypeReference)) {
      const name = ref.getTypeName();
      const identifier = Node.isQualifiedName(name) ? name.getLeft() : name;
      let symbol = identifier.getSymbol();
      if (symbol?.isAlias()) symbol = symbol.getAliasedSymbol() ?? symbol;
      for (const target of symbol?.getDeclarations() ?? []) {
        if (Node.isTypeParameterDeclaration(target)) continue;
        const source = target.getSourceFile();
        if (source.isInNodeModules() || source.isFromExternalLibrary() || source.isDeclarationFile()) {
          if (!source.getFilePath().includes('/typescript/lib/')) unresolved.add(identifier.getText());
          continue;
        }
        if (
          Node.isInterfaceDeclaration(target) ||
          Node.isTypeAliasDeclaration(target) ||
          Node.isEnumDeclaration(target)
        ) {
          visit(target);
        } else {
          unresolved.add(identifier.getText());
        }
      }
    }
    ordered.push(decl);
  };
  visit(effects);
  if (events) visit(events);
  const text = ordered.map(declarationText).join('\n\n');
  return { text, unresolved: [...unresolved].sort() };
}

function declarationText(decl: Declaration): string {
  const docs = Node.isJSDocable(decl) ? decl.getJsDocs().map((d) => d.getText()) : [];
  const doc = docs.length > 0 ? `${docs.join('\n')}\n` : '';
  if (Node.isTypeAliasDeclaration(decl) && decl.getDescendantsOfKind(SyntaxKind.TypeQuery).length > 0) {
    const expanded = decl
      .getType()
      .getText(
        decl,
        TypeFormatFlags.NoTruncation |
          TypeFormatFlags.InTypeAlias |
          TypeFormatFlags.UseSingleQuotesForStringLiteralType,
      );
    return `${doc}export type ${decl.getName()} = ${expanded};`;
  }
  const text = decl.getText().replace(/^export\s+/, '');
  return `${doc}export ${text.replace(/^declare\s+/, '')}`;
}
