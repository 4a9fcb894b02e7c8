/**
 * `/dae.js`: installs `window.oipfObjectFactory` and turns every `<object type="application/oipfDownloadManager">`
 * and `<object type="application/oipfDownloadTrigger">` of the document — present now or added later — into
 * the DAE object, as an OITF does. The page's identity and first list come with the script (the boot record
 * the server writes before this code), so the objects answer from the first line of the application.
 *
 * @module
 */
import type { ManagerMessage } from '../protocol.js';
import { DownloadObjects, PageDownload, PageDownloadManager, PageDownloadTrigger } from './objects.js';
import { PageView } from './view.js';

const MANAGER_TYPE = 'application/oipfDownloadManager';
const TRIGGER_TYPE = 'application/oipfDownloadTrigger';

declare const __dlstateDaeBoot: Extract<ManagerMessage, { t: 'welcome' }> | null | undefined;

const script = document.currentScript as HTMLScriptElement | null;
const serverOrigin = new URL(script?.src ?? location.href).origin;
const view = new PageView(serverOrigin, typeof __dlstateDaeBoot === 'undefined' ? null : __dlstateDaeBoot);
const objects = new DownloadObjects(view);
const supported = () => view.app !== null;

/** Members never copied: the element keeps its own event plumbing (DownloadStateChange is routed below). */
const HIDDEN = new Set([
  'constructor',
  'addEventListener',
  'removeEventListener',
  'dispatchEvent',
  'deliver',
]);

/** Copies an object's members (own and inherited, up to EventTarget) onto an element, bound to the object. */
function expose(element: HTMLElement, target: object): void {
  const seen = new Set<string>();
  for (
    let proto: object | null = target;
    proto !== null && proto !== EventTarget.prototype && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (HIDDEN.has(name) || seen.has(name)) continue;
      seen.add(name);
      const descriptor = Object.getOwnPropertyDescriptor(proto, name)!;
      const member: PropertyDescriptor = { enumerable: true, configurable: true };
      if (typeof descriptor.value === 'function') member.value = descriptor.value.bind(target);
      else {
        member.get = () => (target as Record<string, unknown>)[name];
        if (descriptor.writable || descriptor.set)
          member.set = (value: unknown) => {
            (target as Record<string, unknown>)[name] = value;
          };
      }
      Object.defineProperty(element, name, member);
    }
  }
}

const upgraded = new WeakSet<Element>();

/** Makes one `<object>` element the DAE object of its type (once). */
function upgrade(element: Element): void {
  if (!(element instanceof HTMLObjectElement) || upgraded.has(element) || !supported()) return;
  const type = element.type;
  if (type === MANAGER_TYPE) {
    const manager = new PageDownloadManager(view, objects);
    expose(element, manager);
    // DownloadStateChange goes to the DAE object only: never through the document (no capture, no bubbling).
    const own = {
      add: element.addEventListener.bind(element),
      remove: element.removeEventListener.bind(element),
    };
    element.addEventListener = (
      t: string,
      l: EventListenerOrEventListenerObject,
      o?: boolean | AddEventListenerOptions,
    ) => (t === 'DownloadStateChange' ? manager.addEventListener(t, l, o) : own.add(t, l, o));
    element.removeEventListener = (
      t: string,
      l: EventListenerOrEventListenerObject,
      o?: boolean | EventListenerOptions,
    ) => (t === 'DownloadStateChange' ? manager.removeEventListener(t, l) : own.remove(t, l, o));
  } else if (type === TRIGGER_TYPE) {
    expose(element, new PageDownloadTrigger(view));
  } else return;
  upgraded.add(element);
}

function upgradeAll(root: ParentNode): void {
  for (const element of root.querySelectorAll(
    `object[type="${MANAGER_TYPE}"], object[type="${TRIGGER_TYPE}"]`,
  ))
    upgrade(element);
}

const factory = {
  isObjectSupported: (mimeType: string) =>
    supported() && (mimeType === MANAGER_TYPE || mimeType === TRIGGER_TYPE),
  /** Null when this page has no download objects (ours). */
  createDownloadManagerObject: () => (supported() ? new PageDownloadManager(view, objects) : null),
  createDownloadTriggerObject: () => (supported() ? new PageDownloadTrigger(view) : null),
};
const existing = (window as unknown as { oipfObjectFactory?: object }).oipfObjectFactory;
(window as unknown as { oipfObjectFactory: object }).oipfObjectFactory = Object.assign(
  existing ?? {},
  factory,
);
(window as unknown as { Download: typeof PageDownload }).Download = PageDownload;
/** Diagnostics for tests and developers: the view, its disagreements with the manager, the socket. */
(window as unknown as { dlstateDae: object }).dlstateDae = {
  get connected() {
    return view.connected;
  },
  get app() {
    return view.app;
  },
  disagreements: view.disagreements,
  refused: view.refused,
  dropSocket: () => view.dropSocket(),
};

new MutationObserver((records) => {
  for (const record of records) {
    for (const node of record.addedNodes) {
      if (node instanceof Element) {
        upgrade(node);
        upgradeAll(node);
      }
    }
    if (record.type === 'attributes' && record.target instanceof Element) upgrade(record.target);
  }
}).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['type'] });
upgradeAll(document);
view.onWelcome = () => upgradeAll(document);
view.connect();
