/**
 * Emits a machine as W3C SCXML 1.0: nested `<state>`/`<parallel>`/`<final>`/`<history>`, one
 * `<transition event cond target>` per transition, the guard name in `cond`, and clause ids, action names
 * and descriptions as attributes in the `urn:dlstate:clauses` namespace (prefix `dl`).
 *
 * `cond` holds the guard's *name* (the guard's code lives in the machine's setup), so an SCXML interpreter
 * must bind those names itself; no datamodel is declared for that reason.
 *
 * @module
 */
import type { MachineDescription, StateDescription, TransitionDescription } from '../../machines/describe.js';
import { bannerLines } from './banner.js';

/** The namespace of the `dl:` attributes. */
export const DL_NAMESPACE = 'urn:dlstate:clauses';

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

/** The `<id>.scxml` text. */
export function renderScxml(description: MachineDescription, sources: readonly string[]): string {
  const lines: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  for (const line of bannerLines(sources)) lines.push(`<!-- ${xmlComment(line)} -->`);
  lines.push(
    `<scxml xmlns="http://www.w3.org/2005/07/scxml" xmlns:dl="${DL_NAMESPACE}" version="1.0"${attrs([
      ['name', description.id],
      ['initial', description.initial ? scxmlId(description.initial) : undefined],
    ])}>`,
  );
  const children = (parent: string | undefined) => description.states.filter((s) => s.parent === parent);
  const byState = new Map<string, TransitionDescription[]>();
  for (const t of description.transitions) {
    byState.set(t.source, [...(byState.get(t.source) ?? []), t]);
  }
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
    if (state.type === 'history') {
      // SCXML requires a history state's default transition: the parent's initial state.
      const parent = description.states.find((s) => s.id === state.parent);
      if (parent?.initial) body.push(`${pad}  <transition target="${xmlAttr(scxmlId(parent.initial))}"/>`);
    }
    for (const t of byState.get(state.id) ?? []) body.push(transitionLine(t, depth + 1));
    for (const child of children(state.id)) body.push(...emit(child, depth + 1));
    return body.length === 0 ? [`${head}/>`] : [`${head}>`, ...body, `${pad}</${element}>`];
  };
  const rootTransitions = byState.get('') ?? [];
  if (rootTransitions.length === 0) {
    for (const top of children(undefined)) lines.push(...emit(top, 1));
  } else {
    // SCXML puts no transition on <scxml>: the root's own transitions go on a wrapping state that stands
    // for the machine (its id is the machine id), which the document's `initial` then names.
    const wrapper = rootStateId(description);
    lines[lines.length - 1] = lines[lines.length - 1]!.replace(
      / initial="[^"]*"/,
      ` initial="${xmlAttr(wrapper)}"`,
    );
    lines.push(
      `  <state${attrs([
        ['id', wrapper],
        ['initial', scxmlId(description.initial)],
      ])}>`,
    );
    for (const t of rootTransitions) lines.push(transitionLine(t, 2));
    for (const top of children(undefined)) lines.push(...emit(top, 2));
    lines.push('  </state>');
  }
  lines.push('</scxml>');
  return `${lines.join('\n')}\n`;
}

/** The id of the state that stands for the machine when root transitions need one (not clashing with a state). */
export function rootStateId(description: MachineDescription): string {
  const ids = new Set(description.states.map((s) => scxmlId(s.id)));
  let id = scxmlId(description.id);
  while (ids.has(id)) id = `${id}_root`;
  return id;
}

function transitionLine(t: TransitionDescription, depth: number): string {
  const internal =
    !t.reenter &&
    t.targets.length > 0 &&
    t.targets.every((target) => t.source === '' || target.startsWith(`${t.source}.`));
  return `${'  '.repeat(depth)}<transition${attrs([
    ['event', t.event],
    ['cond', t.guard],
    ['target', t.targets.map(scxmlId).join(' ')],
    // xstate's non-reentering transition to a descendant is SCXML's internal transition.
    ['type', internal ? 'internal' : undefined],
    ['dl:actions', t.actions.join(' ')],
    ['dl:clauses', t.clauses.join(' ')],
    ['dl:description', t.description],
  ])}/>`;
}
