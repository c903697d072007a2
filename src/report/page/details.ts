// Section 7: the selected trial as `nbprov show` records it — cells, modules and environment, each opened on demand.
import { formatSeconds } from '../../render/durations.js';
import { command, el, refill, region, table } from './dom.js';
import type { PageModel, ShowJson } from './types.js';

const OUTPUT_WIDTH = 120;

export function renderDetails(model: PageModel, trial: number | undefined): void {
  const section = region('section', 'details', 'Details');
  if (trial === undefined) {
    refill(section, el('p', { class: 'empty' }, 'No trial has details in this report.'));
    return;
  }
  const show = model.details[String(trial)];
  if (!show) {
    refill(section, el('p', { class: 'not-in-report' }, `The details of trial ${trial} are not in this report: run `, command(`nbprov show ${trial}`), '.'));
    return;
  }
  refill(section, summary(show), cells(show), modules(show), environment(show));
}

function summary(show: ShowJson): HTMLElement {
  const t = show.trial;
  const facts: [string, string][] = [
    ['trial', `${t.sequence} (${t.id.slice(0, 8)})`],
    ...(t.name ? [['name', t.name] as [string, string]] : []),
    ['notebook', t.notebook],
    ['start', t.start.slice(0, 19)],
    ['duration', formatSeconds(t.seconds)],
    ['status', t.status],
    ['command', t.command ?? '-'],
  ];
  return el('dl', { class: 'trial-facts', 'data-trial': String(t.sequence) }, ...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

function cells(show: ShowJson): HTMLElement {
  const rows = show.cells.map((c) => [
    String(c.index),
    c.stage ?? '-',
    formatSeconds(c.seconds),
    c.errorName ? `${c.status}: ${c.errorName}` : c.status,
    c.firstLine,
    clip(c.errorValue ? `${c.errorName}: ${c.errorValue}` : c.outputs ?? ''),
  ]);
  return disclosure(`Cells (${show.cells.length})`, table('cells', ['cell', 'stage', 'duration', 'status', 'first line', 'output'], rows));
}

function modules(show: ShowJson): HTMLElement {
  const rows = show.modules.map((m) => [m.name, m.version ?? '-']);
  return disclosure(`Modules (${rows.length})`, table('modules', ['module', 'version'], rows));
}

function environment(show: ShowJson): HTMLElement {
  const rows = Object.entries(show.environment).map(([k, v]) => [k, String(v)]);
  return disclosure(`Environment (${rows.length})`, table('environment', ['name', 'value'], rows));
}

function disclosure(title: string, content: HTMLElement): HTMLDetailsElement {
  return el('details', {}, el('summary', {}, title), content);
}

function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > OUTPUT_WIDTH ? line.slice(0, OUTPUT_WIDTH - 1) + '…' : line;
}
