/**
 * Emits a machine as W3C SCXML 1.0 that an engine can run with the ECMAScript datamodel: nested
 * `<state>`/`<parallel>`/`<final>`/`<history>`, one `<transition>` per transition, clause ids, action names
 * and descriptions as attributes in the `urn:dlstate:clauses` namespace (prefix `dl`).
 *
 * The chart's guards and actions have their code in the machine's `setup`, not in the document, so the
 * document declares them and a small host *binding* supplies them (see `generated/README.md`):
 *
 * - `<datamodel>` holds `<data id="guards">` and `<data id="actions">`, each listing the names it must bind in
 *   `dl:names`; the host passes both objects when it starts the session (SCION: `params`).
 * - a guard is `cond="guards.name(_event)"`, with its static params as a second argument
 *   (`guards.pauseAllowed(_event, {"from":16})`); `and`/`or`/`not` become `&&`/`||`/`!`, `stateIn` `In(…)`.
 * - an action is `<script>actions.name(_event)</script>` (with its static params likewise), in `<onentry>`,
 *   `<onexit>` or the transition, in the chart's order. Params the chart computes from the context at run
 *   time are not in the document (the call's third argument is the string `'computed'`); the binding computes
 *   them from its own context. An `enqueueActions` block names, in `dl:enqueues`, the effects it may request.
 * - the root's entry/exit actions and transitions sit on a wrapping state standing for the machine.
 * - a non-reentering transition to its own source or a descendant is SCXML's targetless (atomic source) or
 *   `type="internal"` transition, so the source is not exited.
 *
 * @module
 */
import {
  type CallParams,
  type EnqueuedEffects,
  enqueuedBy,
  type GuardTree,
  type MachineDescription,
  type StateDescription,
  type TransitionDescription,
} from '../../machines/describe.js';
import { bannerLines } from './banner.js';

/** The namespace of the `dl:` attributes. */
export const DL_NAMESPACE = 'urn:dlstate:clauses';

/** Options of {@link renderScxml}. */
export interface ScxmlOptions {
  /** The effects each `enqueueActions` block may request (the registry entry's `enqueues`). */
  readonly enqueues?: EnqueuedEffects;
}

/** A state id as a valid XML ID (NCName): other characters become `_`, a leading digit or dot gets `_`. */
export function scxmlId(id: string): string {
  const safe = id.replace(/[^A-Za-z0-9._-]/g, '_');
  return /^[A-Za-z_]/.test(safe) ? safe : `_${safe}`;
}

/** Escapes text for a double-quoted XML attribute value. */
export function xmlAttr(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

/** Escapes XML element text. */
function xmlText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Comment text cannot contain `--` nor end with `-`. */
function xmlComment(text: string): string {
  return text.replace(/--/g, '- -').replace(/-$/, '- ');
}

function attrs(pairs: readonly (readonly [string, string | undefined])[]): string {
  return pairs
    .filter((p): p is readonly [string, string] => p[1] !== undefined && p[1] !== '')
    .map(([k, v]) => ` ${k}="${xmlAttr(v)}"`)
    .join('');
}

/** `object.name` when `name` is an identifier, `object["name"]` otherwise. */
function member(object: string, name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `${object}.${name}` : `${object}[${JSON.stringify(name)}]`;
}

/** The arguments of a binding call: the event, then the static params or `'computed'`. */
function callArgs(params: CallParams): string {
  if (params === null) return '_event';
  if (params === 'computed') return "_event, 'computed'";
  return `_event, ${JSON.stringify(params)}`;
}

/** The ECMAScript `cond` of a guard (see the module comment). */
export function guardCond(tree: GuardTree, machineId: string): string {
  switch (tree.kind) {
    case 'guard':
      return `${member('guards', tree.name)}(${callArgs(tree.params)})`;
    case 'and':
    case 'or': {
      const joined = tree.operands
        .map((o) => guardCond(o, machineId))
        .join(tree.kind === 'and' ? ' && ' : ' || ');
      return `(${joined})`;
    }
    case 'not':
      return `!(${tree.operands.map((o) => guardCond(o, machineId)).join(' && ')})`;
    case 'stateIn': {
      const state =
        typeof tree.state === 'string' ? tree.state.replace(new RegExp(`^#${machineId}\\.`), '') : '';
      return state === '' ? 'false' : `In(${JSON.stringify(scxmlId(state))})`;
    }
    default:
      return `${member('guards', 'inline')}(_event)`;
  }
}

/** Every guard name a tree calls. */
function guardNames(tree: GuardTree): string[] {
  if (tree.kind === 'guard') return [tree.name];
  if (tree.kind === 'and' || tree.kind === 'or' || tree.kind === 'not')
    return tree.operands.flatMap(guardNames);
  return [];
}

/** Action names that are not bindable calls: inline `assign(…)` and other anonymous actions. */
const ANONYMOUS = new Set(['assign', 'inline']);

interface Renderer {
  readonly description: MachineDescription;
  readonly enqueues: EnqueuedEffects | undefined;
}

/** `<script>` lines calling the binding for each named action, with the effects a block may enqueue. */
function actionScripts(
  r: Renderer,
  names: readonly string[],
  params: readonly CallParams[] | undefined,
  event: string,
  pad: string,
): string[] {
  return names.flatMap((name, i) => {
    if (ANONYMOUS.has(name)) return [];
    const enqueued = r.enqueues?.[name] === undefined ? [] : enqueuedBy(r.enqueues, name, event);
    const head = `<script${attrs([['dl:enqueues', enqueued.join(' ')]])}>`;
    return [
      `${pad}${head}${xmlText(`${member('actions', name)}(${callArgs(params?.[i] ?? null)})`)}</script>`,
    ];
  });
}

/** The `<id>.scxml` text. */
export function renderScxml(
  description: MachineDescription,
  sources: readonly string[],
  options: ScxmlOptions = {},
): string {
  const r: Renderer = { description, enqueues: options.enqueues };
  const lines: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  for (const line of bannerLines(sources)) lines.push(`<!-- ${xmlComment(line)} -->`);
  const rootTransitions = description.transitions.filter((t) => t.source === '');
  const wrap = rootTransitions.length > 0 || description.entry.length > 0 || description.exit.length > 0;
  const wrapper = rootStateId(description);
  lines.push(
    `<scxml xmlns="http://www.w3.org/2005/07/scxml" xmlns:dl="${DL_NAMESPACE}" version="1.0" datamodel="ecmascript"${attrs(
      [
        ['name', description.id],
        ['initial', wrap ? wrapper : description.initial ? scxmlId(description.initial) : undefined],
      ],
    )}>`,
  );
  lines.push(...datamodel(r));
  const children = (parent: string | undefined) => description.states.filter((s) => s.parent === parent);
  const byState = new Map<string, TransitionDescription[]>();
  for (const t of description.transitions) byState.set(t.source, [...(byState.get(t.source) ?? []), t]);
  const emit = (state: StateDescription, depth: number): string[] => {
    const pad = '  '.repeat(depth);
    const element =
      state.type === 'parallel'
        ? 'parallel'
        : state.type === 'final'
          ? 'final'
          : state.type === 'history'
            ? 'history'
            : 'state';
    const head = `${pad}<${element}${attrs([
      ['id', scxmlId(state.id)],
      ['initial', state.type === 'compound' && state.initial ? scxmlId(state.initial) : undefined],
      ['type', state.history],
      ['dl:clauses', state.clauses.join(' ')],
      ['dl:entry', state.entry.join(' ')],
      ['dl:exit', state.exit.join(' ')],
      ['dl:tags', state.tags.join(' ')],
      ['dl:description', state.description],
    ])}`;
    const body: string[] = [];
    body.push(...onEntryExit(r, 'onentry', state.entry, state.entryParams, depth + 1));
    body.push(...onEntryExit(r, 'onexit', state.exit, state.exitParams, depth + 1));
    if (state.type === 'history') {
      // SCXML requires a history state's default transition: the parent's initial state.
      const parent = description.states.find((s) => s.id === state.parent);
      if (parent?.initial) body.push(`${pad}  <transition target="${xmlAttr(scxmlId(parent.initial))}"/>`);
    }
    for (const t of byState.get(state.id) ?? []) body.push(...transitionLines(r, t, depth + 1));
    for (const child of children(state.id)) body.push(...emit(child, depth + 1));
    return body.length === 0 ? [`${head}/>`] : [`${head}>`, ...body, `${pad}</${element}>`];
  };
  if (!wrap) {
    for (const top of children(undefined)) lines.push(...emit(top, 1));
  } else {
    // SCXML puts no transition nor onentry on <scxml>: the root's own go on a wrapping state that stands
    // for the machine (its id is the machine id), which the document's `initial` names.
    lines.push(
      `  <state${attrs([
        ['id', wrapper],
        ['initial', scxmlId(description.initial)],
        ['dl:entry', description.entry.join(' ')],
        ['dl:exit', description.exit.join(' ')],
      ])}>`,
    );
    lines.push(...onEntryExit(r, 'onentry', description.entry, description.entryParams, 2));
    lines.push(...onEntryExit(r, 'onexit', description.exit, description.exitParams, 2));
    for (const t of rootTransitions) lines.push(...transitionLines(r, t, 2));
    for (const top of children(undefined)) lines.push(...emit(top, 2));
    lines.push('  </state>');
  }
  lines.push('</scxml>');
  return `${lines.join('\n')}\n`;
}

/** The `<datamodel>` declaring the binding's two objects and the names each must hold. */
function datamodel(r: Renderer): string[] {
  const guards = new Set<string>();
  const actions = new Set<string>();
  const addActions = (names: readonly string[]) => {
    for (const n of names) if (!ANONYMOUS.has(n)) actions.add(n);
  };
  addActions(r.description.entry);
  addActions(r.description.exit);
  for (const s of r.description.states) {
    addActions(s.entry);
    addActions(s.exit);
  }
  for (const t of r.description.transitions) {
    if (t.guardTree) for (const g of guardNames(t.guardTree)) guards.add(g);
    addActions(t.actions);
  }
  return [
    '  <!-- The host binds guards.<name>(_event, params?) → boolean and actions.<name>(_event, params?): generated/README.md -->',
    '  <datamodel>',
    `    <data id="guards"${attrs([['dl:names', [...guards].sort().join(' ')]])}/>`,
    `    <data id="actions"${attrs([['dl:names', [...actions].sort().join(' ')]])}/>`,
    '  </datamodel>',
  ];
}

function onEntryExit(
  r: Renderer,
  element: 'onentry' | 'onexit',
  names: readonly string[],
  params: readonly CallParams[] | undefined,
  depth: number,
): string[] {
  const pad = '  '.repeat(depth);
  const scripts = actionScripts(r, names, params, '', `${pad}  `);
  return scripts.length === 0 ? [] : [`${pad}<${element}>`, ...scripts, `${pad}</${element}>`];
}

/** The id of the state that stands for the machine when root transitions need one (not clashing with a state). */
export function rootStateId(description: MachineDescription): string {
  const ids = new Set(description.states.map((s) => scxmlId(s.id)));
  let id = scxmlId(description.id);
  while (ids.has(id)) id = `${id}_root`;
  return id;
}

/** Where a transition goes in SCXML: its targets and whether it is internal (the source not exited). */
export function scxmlTarget(
  t: TransitionDescription,
  description: MachineDescription,
): { readonly targets: readonly string[]; readonly internal: boolean } {
  if (t.targets.length === 0) return { targets: [], internal: false };
  if (t.reenter || t.source === '') return { targets: t.targets, internal: false };
  if (t.targets.every((target) => target === t.source)) {
    // xstate's non-reentering self-transition keeps the source entered but resets its descendants to their
    // initial states: nothing for an atomic state (targetless), an internal transition to the initial child
    // for a compound one.
    const source = description.states.find((s) => s.id === t.source);
    if (source?.type === 'compound' && source.initial) return { targets: [source.initial], internal: true };
    return { targets: [], internal: false };
  }
  // xstate's non-reentering transition to a descendant is SCXML's internal transition.
  const internal = t.targets.every((target) => target.startsWith(`${t.source}.`));
  return { targets: t.targets, internal };
}

function transitionLines(r: Renderer, t: TransitionDescription, depth: number): string[] {
  const pad = '  '.repeat(depth);
  const { targets, internal } = scxmlTarget(t, r.description);
  const head = `${pad}<transition${attrs([
    ['event', t.event],
    ['cond', t.guardTree ? guardCond(t.guardTree, r.description.id) : undefined],
    ['target', targets.map(scxmlId).join(' ')],
    ['type', internal ? 'internal' : undefined],
    ['dl:guard', t.guard],
    ['dl:actions', t.actions.join(' ')],
    ['dl:clauses', t.clauses.join(' ')],
    ['dl:description', t.description],
  ])}`;
  const scripts = actionScripts(r, t.actions, t.actionParams, t.event, `${pad}  `);
  return scripts.length === 0 ? [`${head}/>`] : [`${head}>`, ...scripts, `${pad}</transition>`];
}
