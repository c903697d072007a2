// DOM building with text only: strings become Text nodes or plain attribute values, never markup.

type Child = Node | string | null | undefined;

/** An HTML element with (safe, page-chosen) attributes and children; strings are inserted as text. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

/** A table with a header row and text cells. */
export function table(className: string, head: string[], rows: Child[][]): HTMLTableElement {
  return el(
    'table',
    { class: className },
    el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...rows.map((cells) => el('tr', {}, ...cells.map((c) => el('td', {}, c))))),
  );
}

/** The page's element with this id, made (and appended in call order) when the HTML shell has none. */
export function region(tag: 'header' | 'section', id: string, title?: string): HTMLElement {
  const found = document.getElementById(id);
  if (found) return found;
  const made = el(tag, { id }, title ? el('h2', {}, title) : null);
  (document.querySelector('main') ?? document.body).append(made);
  return made;
}

/** Replaces everything in a section after its heading. */
export function refill(section: HTMLElement, ...children: Child[]): void {
  const heading = section.querySelector(':scope > h2');
  section.replaceChildren(...(heading ? [heading] : []));
  for (const child of children) if (child !== null && child !== undefined) section.append(child);
}

/** `nbprov diff 3 9` as a code element, for the sentences naming a command to run. */
export function command(text: string): HTMLElement {
  return el('code', {}, text);
}
