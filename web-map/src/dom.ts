/**
 * The one DOM helper of the web map: find page elements, build new ones (text always goes in as text nodes, never
 * HTML) and show a one-line message in an element.
 */
type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/** Builds an element: attributes as given (`on…` functions become listeners), children as nodes or text. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (k === 'class') el.className = String(v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'object' ? c : String(c));
  }
  return el;
}

/** The page element for a selector, or null. */
export const find = <T extends HTMLElement = HTMLElement>(selector: string): T | null =>
  document.querySelector<T>(selector);

/** The page element for a selector; throws when the page lacks it. */
export function $<T extends HTMLElement = HTMLElement>(selector: string): T {
  const el = find<T>(selector);
  if (!el) throw new Error(`page element ${selector} is missing`);
  return el;
}

/** Shows `text` in `el` with the class `kind` (after `base` classes); an empty text hides the element. */
export function showMessage(el: HTMLElement, text: string, kind: 'error' | 'info' = 'info', base = ''): void {
  el.textContent = text;
  el.className = [base, text ? kind : ''].filter(Boolean).join(' ');
  el.hidden = !text;
}
