/**
 * Emits a machine's port: one interface member per effect the machine requests, typed by the params of its
 * `<Name>Effects` member, with JSDoc naming the clauses of the transitions that request it and the events
 * the machine handles next; plus `<id>PortActions(port)` to wire an implementation with
 * `machine.provide({ actions })`.
 *
 * @module
 */
import { IndentationText, NewLineKind, Project, QuoteKind } from 'ts-morph';
import type { ClauseId } from '../../machines/clauses.js';
import { type EnqueuedEffects, enqueuedBy, type MachineDescription } from '../../machines/describe.js';
import { camelCase, lineCommentBanner, normalizeText, pascalCase, wrap } from './banner.js';
import type { EffectsInfo } from './effects.js';

/** Where an effect is requested in the chart and what the machine expects afterwards. */
export interface EffectUsage {
  /** Human-readable requesters: `USER.START in idle → fetching`, `entry of fetching.waiting`. */
  readonly requestedBy: readonly string[];
  /** Clause ids of the requesting transitions (and states, for entry/exit actions), first-seen order. */
  readonly clauses: readonly ClauseId[];
  /**
   * Events with a transition from the states the machine enters with the request (the targets of the
   * requesting transition and their initial descendants, its source when targetless, the requesting state
   * for entry actions) — a best-effort list of the results it waits for: it may include events unrelated to
   * this effect (a user pause) and misses results handled only by an ancestor state.
   */
  readonly eventsNext: readonly string[];
}

/**
 * Where the machine requests `effect` — by name, or through an `enqueueActions` block that `enqueues`
 * declares may request it (shown as `… via block`) — and the events it handles next (see {@link EffectUsage}).
 */
export function effectUsage(
  description: MachineDescription,
  effect: string,
  enqueues?: EnqueuedEffects,
): EffectUsage {
  const requestedBy: string[] = [];
  const clauses: ClauseId[] = [];
  const waitIn: string[] = [];
  const addClauses = (ids: readonly ClauseId[]) => {
    for (const id of ids) if (!clauses.includes(id)) clauses.push(id);
  };
  /** `''` when `actions` name the effect itself, ` via block` when a declared block may request it. */
  const via = (actions: readonly string[], event: string): string | undefined => {
    if (actions.includes(effect)) return '';
    const block = actions.find((a) => enqueuedBy(enqueues, a, event).includes(effect));
    return block === undefined ? undefined : ` via ${block}`;
  };
  const rootEntry = via(description.entry, '');
  if (rootEntry !== undefined) {
    requestedBy.push(`entry of the machine${rootEntry}`);
    if (description.initial) waitIn.push(description.initial);
  }
  const rootExit = via(description.exit, '');
  if (rootExit !== undefined) requestedBy.push(`exit of the machine${rootExit}`);
  for (const t of description.transitions) {
    const how = via(t.actions, t.event);
    if (how === undefined) continue;
    const event = t.event === '' ? 'always' : t.event;
    const targets = t.targets.length > 0 ? ` → ${t.targets.join(', ')}` : '';
    requestedBy.push(
      `${event}${t.guard ? ` [${t.guard}]` : ''} in ${t.source || '(machine)'}${targets}${how}`,
    );
    addClauses(t.clauses);
    waitIn.push(...(t.targets.length > 0 ? t.targets : [t.source]));
  }
  for (const s of description.states) {
    const entry = via(s.entry, '');
    if (entry !== undefined) {
      requestedBy.push(`entry of ${s.id}${entry}`);
      waitIn.push(s.id);
      addClauses(s.clauses);
    }
    const exit = via(s.exit, '');
    if (exit !== undefined) {
      requestedBy.push(`exit of ${s.id}${exit}`);
      addClauses(s.clauses);
    }
  }
  const entered = enteredStates(description, waitIn);
  const eventsNext: string[] = [];
  for (const t of description.transitions) {
    if (t.event !== '' && entered.has(t.source) && !eventsNext.includes(t.event)) eventsNext.push(t.event);
  }
  return { requestedBy, clauses, eventsNext };
}

/** The given states plus, recursively, the initial child of compound ones and every region of parallel ones. */
function enteredStates(description: MachineDescription, ids: readonly string[]): Set<string> {
  const entered = new Set<string>();
  const enter = (id: string): void => {
    const state = description.states.find((s) => s.id === id);
    if (!state || entered.has(id)) return;
    entered.add(id);
    if (state.type === 'compound' && state.initial) enter(state.initial);
    if (state.type === 'parallel') {
      for (const child of description.states) if (child.parent === id) enter(child.id);
    }
  };
  for (const id of ids) enter(id);
  return entered;
}

/** How the port refers to the params types. */
export type PortTypes =
  /** `import type { … } from '<specifier>'` — the port is checked against the machine's real types. */
  | { readonly kind: 'import'; readonly specifier: string }
  /** The effect/event declarations copied into the port, for a project outside this repo. */
  | { readonly kind: 'inline' };

/** Inputs of {@link renderPort}. */
export interface PortInput {
  /** Registry id (`dlota`); names the interface `DlotaPort`. */
  readonly id: string;
  /** Repo-relative sources for the banner. */
  readonly sources: readonly string[];
  readonly description: MachineDescription;
  readonly effects: EffectsInfo;
  readonly types: PortTypes;
  /** The effects the machine's `enqueueActions` blocks may request (the registry entry's `enqueues`). */
  readonly enqueues?: EnqueuedEffects;
}

/** The `<id>.port.ts` text. */
export function renderPort(input: PortInput): string {
  const { id, description, effects, types } = input;
  const pascal = pascalCase(id);
  const portName = `${pascal}Port`;
  const project = new Project({
    useInMemoryFileSystem: true,
    manipulationSettings: {
      quoteKind: QuoteKind.Single,
      indentationText: IndentationText.TwoSpaces,
      newLineKind: NewLineKind.LineFeed,
      useTrailingCommas: true,
    },
  });
  const file = project.createSourceFile(`/${id}.port.ts`, '');
  const effectsType = effects.effectsInterface;
  const eventAlias = `${pascal}Event`;
  // The event union under the port's name; when the types file already uses that name, re-export it.
  const reexportEvent = effects.eventType === eventAlias;
  if (types.kind === 'import') {
    const imported = [effectsType, ...(effects.eventType && !reexportEvent ? [effects.eventType] : [])];
    const reexport = reexportEvent ? `\n\n${typeImport('export', [eventAlias], types.specifier)}` : '';
    file.addStatements(`${typeImport('import', imported.sort(), types.specifier)}${reexport}`);
  } else {
    file.addStatements(
      `// Copied from ${effects.typesPath} so this file stands alone.\n${effects.standalone}`,
    );
  }
  if (effects.eventType && !reexportEvent) {
    file.addTypeAlias({
      isExported: true,
      name: eventAlias,
      type: effects.eventType,
      docs: [
        `Every event the \`${description.id}\` machine accepts; an adapter reports effect results as these.`,
      ],
    });
  }
  file.addInterface({
    isExported: true,
    name: portName,
    docs: [
      [
        `The effects the \`${description.id}\` machine requests, one member per \`${effectsType}\` member.`,
        `Implement every member and wire it with \`machine.provide({ actions: ${camelCase(id)}PortActions(port) })\`;`,
        'send each result back to the actor as an event.',
      ].join('\n'),
    ],
    methods: effects.members.map((member) => ({
      name: member.name,
      parameters: [{ name: 'params', type: `${effectsType}['${member.name}']` }],
      returnType: 'void',
      docs: [memberDoc(member.doc, effectUsage(description, member.name, input.enqueues))],
    })),
  });
  file.addFunction({
    isExported: true,
    name: `${camelCase(id)}PortActions`,
    parameters: [{ name: 'port', type: portName }],
    docs: [`The port as xstate action implementations, for \`machine.provide({ actions })\`.`],
    statements: (writer) => {
      writer.write('return ').inlineBlock(() => {
        for (const member of effects.members) writer.writeLine(actionEntry(effectsType, member.name));
      });
      writer.write(';');
    },
  });
  file.formatText({ indentSize: 2, convertTabsToSpaces: true });
  return normalizeText(`${lineCommentBanner(input.sources)}\n${file.getFullText()}`);
}

/** Biome's line width (biome.json): generated TypeScript is laid out the way Biome formats it. */
const LINE_WIDTH = 110;

/** `import type { A, B } from '…';` (or `export type`), one name per line when Biome would break it. */
function typeImport(keyword: 'import' | 'export', names: readonly string[], specifier: string): string {
  const line = `${keyword} type { ${names.join(', ')} } from '${specifier}';`;
  if (line.length <= LINE_WIDTH) return line;
  return `${keyword} type {\n${names.map((n) => `  ${n},`).join('\n')}\n} from '${specifier}';`;
}

/**
 * One `name: (_args, params) => port.name(params),` entry of `…PortActions`, broken the way Biome breaks it
 * when it does not fit: first after `=>`, then one parameter per line.
 */
function actionEntry(effectsType: string, name: string): string {
  const params = `(_args: unknown, params: ${effectsType}['${name}'])`;
  const call = `port.${name}(params),`;
  const indent = '    ';
  if (`${indent}${name}: ${params} => ${call}`.length <= LINE_WIDTH) return `${name}: ${params} => ${call}`;
  if (`${indent}${name}: ${params} =>`.length <= LINE_WIDTH) return `${name}: ${params} =>\n  ${call}`;
  return `${name}: (\n  _args: unknown,\n  params: ${effectsType}['${name}'],\n) => ${call}`;
}

function memberDoc(doc: string, usage: EffectUsage): string {
  const paragraphs: string[] = [];
  if (doc) paragraphs.push(doc);
  const notes: string[] = [];
  notes.push(
    ...wrap(
      `Requested by: ${usage.requestedBy.length > 0 ? usage.requestedBy.join('; ') : 'no transition or state names it, nor a declared `enqueueActions` block'}.`,
      100,
    ),
  );
  notes.push(...wrap(`Clauses: ${usage.clauses.length > 0 ? usage.clauses.join(', ') : 'none'}.`, 100));
  if (usage.eventsNext.length > 0) {
    notes.push(
      ...wrap(
        `Events handled next (best effort: every event with a transition from the states entered on request): ${usage.eventsNext.join(', ')}.`,
        100,
      ),
    );
  }
  paragraphs.push(notes.join('\n'));
  return paragraphs.join('\n\n');
}
