// The explain section: per metric, one bar per parameter (the share of the metric's variance it explains, η² or ρ²),
// parameters never in the metric's lineage greyed, then the table and sentences `nbprov explain METRIC` prints.
import { Chart } from './chart-setup.js';
import { command, el, region, table } from './dom.js';
import type { ExplainJson, ExplainParameterJson, PageModel } from './types.js';

const BAR_COLOR = '#4e79a7';
const GREY = '#b4bac3';

export function renderExplain(model: PageModel): void {
  const section = region('section', 'explain', 'Explain');
  const metrics = Object.keys(model.explain);
  if (metrics.length === 0) {
    section.append(el('p', { class: 'empty' }, 'No metric is tagged: tag one with ', command('nbprov tag var NAME metric:max'), '.'));
    return;
  }
  section.append(el('p', { class: 'explain-intro' }, 'Which parameters moved each metric across these trials, as ', command('nbprov explain METRIC'), ' prints it. Grey: never in the metric\'s lineage, so it cannot affect it.'));
  for (const metric of metrics) {
    const found = model.explain[metric];
    if ('refused' in found) {
      section.append(el('p', { class: 'explain-refused', 'data-metric': metric }, `${metric}: ${found.refused}`));
      continue;
    }
    section.append(explanationFigure(found));
  }
}

function explanationFigure(e: ExplainJson): HTMLElement {
  const params = e.parameters;
  const greyed = params.filter((p) => p.role === 'unreached').map((p) => p.name);
  const canvas = el('canvas', { class: 'explain-chart', 'data-metric': e.metric, 'data-bars': String(params.length), 'data-greyed': greyed.join(','), role: 'img', 'aria-label': `share of ${e.metric}'s variance each parameter explains` });
  const frame = el('div', { class: 'chart-frame explain-frame' }, canvas);
  // Through the CSSOM, which the page's Content-Security-Policy allows (a style attribute it would refuse).
  frame.style.height = `${Math.max(120, 34 * params.length + 50)}px`;
  const rows = params.map((p) => [p.name, `${p.inLineage}/${p.trials}`, p.role, shareText(p), p.sentence]);
  const figure = el(
    'figure',
    { class: 'explain', 'data-metric': e.metric },
    el('figcaption', {}, el('span', { class: 'metric' }, e.metric), ` over ${e.trials.length} trials`),
    frame,
    table('explain-table', ['parameter', 'in lineage', 'measured as', 'η² / ρ²', 'what it did'], rows),
    el('p', { class: 'explain-noise' }, ...withCommands(e.noiseSentence)),
    ...(e.interactions.length ? [el('ul', { class: 'explain-interactions' }, ...e.interactions.map((i) => el('li', {}, i.sentence)))] : []),
  );
  figure.querySelectorAll('table.explain-table tbody tr').forEach((tr, i) => {
    tr.setAttribute('data-parameter', params[i].name);
    tr.setAttribute('data-role', params[i].role);
    if (params[i].role === 'unreached') tr.classList.add('unreached');
  });
  bars(canvas, e.metric, params);
  return figure;
}

function bars(canvas: HTMLCanvasElement, metric: string, params: ExplainParameterJson[]): void {
  const unreached = (p: ExplainParameterJson) => p.role === 'unreached';
  new Chart(canvas, {
    type: 'bar',
    data: {
      labels: params.map((p) => p.name),
      datasets: [{
        label: `share of ${metric}'s variance`,
        data: params.map((p) => p.share ?? 0),
        backgroundColor: params.map((p) => (unreached(p) ? GREY : BAR_COLOR)),
        // A parameter that cannot affect the metric still gets a visible (grey) bar.
        minBarLength: 4,
      }],
    },
    options: {
      indexAxis: 'y',
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: (item) => params[item.dataIndex].sentence } },
      },
      scales: {
        x: { type: 'linear', min: 0, max: 1, title: { display: true, text: `share of ${metric}'s variance (η², or ρ² for a rank correlation)` } },
        y: { ticks: { color: params.map((p) => (unreached(p) ? '#8c959f' : '#1f2328')) } },
      },
    },
  });
}

/** A sentence's `quoted commands` as code elements, the rest as text. */
function withCommands(sentence: string): (string | HTMLElement)[] {
  return sentence.split('`').map((part, i) => (i % 2 === 1 ? command(part) : part));
}

function shareText(p: ExplainParameterJson): string {
  if (p.share === null) return '—';
  return `${p.role === 'ranked' ? 'ρ² ' : 'η² '}${Number(p.share.toFixed(3))}`;
}
