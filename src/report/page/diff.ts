// Section 6: the diff of the two selected trials, as `nbprov diff` computed it at report time.
import { Chalk } from 'chalk';
import type { TrialDiff } from '../../compare/trial-diff.js';
import type { ValueView } from '../../compare/values.js';
import { metricRow, trialLabel, whyLines } from '../../render/diff-text.js';
import { command, el, refill, region } from './dom.js';
import type { PageModel } from './types.js';

const plain = new Chalk({ level: 0 });

export function renderDiff(model: PageModel, selected: number[]): void {
  const section = region('section', 'diff', 'Diff');
  if (selected.length < 2) {
    refill(section, el('p', { class: 'empty' }, selected.length ? 'Select one more row of the trials table to compare the two trials.' : 'Select two rows of the trials table to compare their trials.'));
    return;
  }
  const [x, y] = selected;
  const found = model.diffs.find((d) => (d.a === x && d.b === y) || (d.a === y && d.b === x));
  if (!found) {
    const [a, b] = x < y ? [x, y] : [y, x];
    refill(section, el('p', { class: 'not-in-report' }, `The diff of trials ${a} and ${b} is not in this report: run `, command(`nbprov diff ${a} ${b}`), '.'));
    return;
  }
  refill(section, diffView(found.diff));
}

function diffView(diff: TrialDiff): HTMLElement {
  const notebooks = diff.a.notebook === diff.b.notebook ? diff.a.notebook : `${diff.a.notebook} → ${diff.b.notebook}`;
  const params = diff.params ?? [];
  const metrics = diff.metrics ?? [];
  const why = (diff.why ?? []).flatMap((w) => whyLines(plain, w));
  return el(
    'div',
    { class: 'diff', 'data-a': String(diff.a.sequence), 'data-b': String(diff.b.sequence) },
    el('p', { class: 'diff-title' }, `${trialLabel(diff.a)} → ${trialLabel(diff.b)}   ${notebooks}`),
    ...diff.warnings.map((w) => el('p', { class: 'warning' }, w)),
    el('h3', {}, 'Parameters'),
    params.length ? changeTable('diff-params', diff, params.map((p) => ({ name: p.name, a: p.a, b: p.b, extra: [] }))) : el('p', { class: 'empty' }, 'No parameter changed.'),
    el('h3', {}, 'Metrics'),
    metrics.length ? changeTable('diff-metrics', diff, metrics.map((m) => ({ name: m.name, a: m.a, b: m.b, extra: metricRow(m).slice(2) })), ['verdict', 'change']) : el('p', { class: 'empty' }, 'No metric is tagged.'),
    el('h3', {}, 'Why'),
    why.length ? el('ul', { class: 'why' }, ...why.map((line) => el('li', {}, line))) : el('p', { class: 'empty' }, 'No metric changed.'),
  );
}

interface Change {
  name: string;
  a: ValueView | null;
  b: ValueView | null;
  extra: string[];
}

function changeTable(className: string, diff: TrialDiff, changes: Change[], extraHead: string[] = []): HTMLTableElement {
  const head = ['name', `trial ${diff.a.sequence}`, `trial ${diff.b.sequence}`, ...extraHead];
  const text = (v: ValueView | null) => v?.text ?? '(absent)';
  const row = (c: Change) => el('tr', { 'data-name': c.name }, ...[c.name, text(c.a), text(c.b), ...c.extra].map((t) => el('td', {}, t)));
  return el('table', { class: className }, el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col' }, h)))), el('tbody', {}, ...changes.map(row)));
}
