// Section 2: the trials table — compare's columns and best values, sortable, filterable, rows selectable.
import type { Column } from '../../compare/comparison.js';
import { cellText, sortBy } from './cells.js';
import { el, region } from './dom.js';
import { makeFilter, type FilterRow } from './filter.js';
import type { ComparisonJson } from './types.js';

interface Row extends FilterRow {
  trial: number;
  tr: HTMLTableRowElement;
}

const MAX_SELECTED = 2;

/** Draws the table; `onSelect` gets the selected trials, oldest selection first, after every click on a row. */
export function renderTrials(comparison: ComparisonJson, onSelect: (selected: number[]) => void): void {
  const section = region('section', 'trials', 'Trials');
  const input = el('input', { id: 'filter', type: 'search', placeholder: 'filter: n_trees >= 50 and status = finished, or any text', 'aria-label': 'filter trials', spellcheck: 'false' });
  const error = el('p', { id: 'filter-error', role: 'status' });
  error.hidden = true;
  const rows = comparison.rows.map((values) => makeRow(comparison, values));
  const tbody = el('tbody', {}, ...rows.map((r) => r.tr));
  const thead = el('thead', {}, el('tr', {}, ...comparison.columns.map(headerCell)));
  const tableElement = el('table', { id: 'trials-table' }, thead, tbody);
  section.append(el('div', { class: 'filter-bar' }, input, error), el('div', { class: 'table-scroll' }, tableElement));

  const names = comparison.columns.map((c) => c.name);
  input.addEventListener('input', () => {
    const filter = makeFilter(input.value, names);
    for (const row of rows) {
      const hidden = !filter.accepts(row);
      if (row.tr.hidden !== hidden) row.tr.hidden = hidden;
    }
    error.textContent = filter.error ?? '';
    error.hidden = filter.error === null;
  });
  wireSorting(thead, comparison.columns, rows, tbody);
  wireSelection(tbody, rows, onSelect);
}

function headerCell(column: Column): HTMLTableCellElement {
  const arrow = column.direction === 'max' ? ' ↑' : column.direction === 'min' ? ' ↓' : '';
  const th = el('th', { 'data-column': column.name, 'data-kind': column.kind, scope: 'col', tabindex: '0' }, column.name);
  if (arrow) th.append(el('span', { class: 'direction', title: `metric:${column.direction}` }, arrow));
  return th;
}

function makeRow(comparison: ComparisonJson, values: Record<string, unknown>): Row {
  const trial = Number(values.trial);
  const texts = comparison.columns.map((c) => cellText(c, values[c.name]));
  const cells = comparison.columns.map((c, i) => {
    const best = comparison.best[c.name]?.trials.includes(trial);
    return el('td', { 'data-column': c.name, ...(best ? { class: 'best' } : {}), title: texts[i] }, texts[i]);
  });
  const tr = el('tr', { 'data-trial': String(trial), tabindex: '0' }, ...cells);
  return { trial, tr, values, text: texts.join('\u0000').toLowerCase() };
}

/** A click on a header sorts by it, ascending; another click on the same header reverses. */
function wireSorting(thead: HTMLElement, columns: Column[], rows: Row[], tbody: HTMLElement): void {
  let sorted: { name: string; descending: boolean } | null = null;
  const sort = (th: HTMLElement) => {
    const name = th.dataset.column!;
    sorted = { name, descending: sorted?.name === name ? !sorted.descending : false };
    for (const other of thead.querySelectorAll('th')) other.removeAttribute('aria-sort');
    th.setAttribute('aria-sort', sorted.descending ? 'descending' : 'ascending');
    // Reordered while out of the document: one layout for 10,000 rows instead of one per move.
    const table = tbody.parentElement!;
    tbody.remove();
    tbody.append(...sortBy(rows, (r) => r.values[name], (r) => r.trial, sorted.descending).map((r) => r.tr));
    table.append(tbody);
  };
  for (const th of thead.querySelectorAll<HTMLElement>('th')) {
    if (!columns.some((c) => c.name === th.dataset.column)) continue;
    th.addEventListener('click', () => sort(th));
    th.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        sort(th);
      }
    });
  }
}

/** Clicking a row toggles it; a third selected row replaces the oldest. One listener for all rows. */
function wireSelection(tbody: HTMLElement, rows: Row[], onSelect: (selected: number[]) => void): void {
  const byElement = new Map(rows.map((r) => [r.tr as Element, r]));
  let selected: Row[] = [];
  const toggle = (row: Row) => {
    const dropped = selected.includes(row) ? [row] : selected.slice(0, Math.max(0, selected.length + 1 - MAX_SELECTED));
    selected = selected.includes(row) ? selected.filter((r) => r !== row) : [...selected, row].slice(-MAX_SELECTED);
    for (const r of dropped) r.tr.removeAttribute('aria-selected');
    for (const r of selected) r.tr.setAttribute('aria-selected', 'true');
    onSelect(selected.map((r) => r.trial));
  };
  const rowOf = (e: Event) => byElement.get((e.target as Element).closest('tr')!);
  tbody.addEventListener('click', (e) => {
    const row = rowOf(e);
    if (row) toggle(row);
  });
  tbody.addEventListener('keydown', (e) => {
    const row = rowOf(e);
    if (row && (e.key === 'Enter' || e.key === ' ')) {
      e.preventDefault();
      toggle(row);
    }
  });
}
