// A small hand-written page for running the embed script (/embed.js) in Node: elements with
// attributes and parents, iframes whose contentWindow records postMessage calls, and a window
// that dispatches message events. Enough of the DOM for what the script touches, nothing more.

import { runInNewContext } from "node:vm";

export interface FakeElement {
  readonly tag: string;
  readonly attributes: Map<string, string>;
  readonly className: string;
  parent: FakeContainer | null;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  readonly parentNode: FakeContainer | null;
  /** For iframes: where the player's window receives messages. */
  readonly contentWindow: FakeFrameWindow;
}

export interface FakeFrameWindow {
  readonly received: { message: string; targetOrigin: string }[];
  postMessage(message: string, targetOrigin: string): void;
}

export class FakeContainer {
  readonly children: FakeElement[] = [];
  replaceChild(replacement: FakeElement, old: FakeElement): void {
    const index = this.children.indexOf(old);
    if (index === -1) throw new Error("replaceChild: not a child");
    this.children[index] = replacement;
    old.parent = null;
    replacement.parent = this;
  }
}

export function element(tag: string, attributes: Record<string, string> = {}, className = ""): FakeElement {
  const frame: FakeFrameWindow = {
    received: [],
    postMessage(message, targetOrigin) {
      this.received.push({ message, targetOrigin });
    },
  };
  const el: FakeElement = {
    tag,
    className,
    attributes: new Map(Object.entries(attributes)),
    parent: null,
    getAttribute: (name) => el.attributes.get(name) ?? null,
    setAttribute: (name, value) => void el.attributes.set(name, value),
    get parentNode() {
      return el.parent;
    },
    contentWindow: frame,
  };
  return el;
}

export interface FakePage {
  readonly body: FakeContainer;
  /** Runs a script in the page, as a <script> element would. */
  run(script: string): void;
  /** Delivers a message event to the page's window, as a player iframe would post it. */
  message(origin: string, data: unknown, source?: FakeFrameWindow): void;
  /** Fires DOMContentLoaded (for pages created with `loading: true`). */
  loaded(): void;
  iframes(): FakeElement[];
}

export function fakePage(options: { href: string; episodes: Record<string, string>[]; loading?: boolean }): FakePage {
  const body = new FakeContainer();
  for (const attributes of options.episodes) {
    const div = element("div", attributes, "changelog-episode");
    div.parent = body;
    body.children.push(div);
  }
  const windowListeners: ((event: unknown) => void)[] = [];
  const documentListeners: (() => void)[] = [];
  let readyState = options.loading ? "loading" : "complete";
  const document = {
    get readyState() {
      return readyState;
    },
    // Live, like the DOM's: replaced elements drop out of it.
    getElementsByClassName(name: string) {
      const live = body.children.filter((c) => c.className.split(" ").includes(name));
      return Object.assign(live, { item: (i: number) => live[i] ?? null });
    },
    createElement: (tag: string) => element(tag),
    addEventListener(type: string, listener: () => void) {
      if (type === "DOMContentLoaded") documentListeners.push(listener);
    },
  };
  const window = {
    location: { href: options.href },
    addEventListener(type: string, listener: (event: unknown) => void) {
      if (type === "message") windowListeners.push(listener);
    },
  };
  return {
    body,
    run(script) {
      runInNewContext(script, { document, window });
    },
    message(origin, data, source) {
      for (const listener of windowListeners) listener({ origin, data, source });
    },
    loaded() {
      readyState = "interactive";
      for (const listener of documentListeners) listener();
    },
    iframes: () => body.children.filter((c) => c.tag === "iframe"),
  };
}

/** The player.js commands an iframe received, parsed. */
export function commands(frame: FakeElement): { method: string; value?: string; listener: string; context: string }[] {
  return frame.contentWindow.received.map((r) => JSON.parse(r.message));
}
