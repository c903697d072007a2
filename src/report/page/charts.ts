// Section 3: each metric against each numeric param, and each metric over trial order (Chart.js scatter plots).
import { plainText, pythonText } from '../../python-text.js';
import { Chart } from './chart-setup.js';
import { command, el, region } from './dom.js';
import type { ComparisonJson } from './types.js';

interface Point {
  x: number;
  y: number;
  trial: number;
  /** The trial's name (`run --name`, a sweep's), if it has one. */
  name?: string;
}

const POINT_COLOR = '#4e79a7';
const BEST_COLOR = '#e15759';

export function renderCharts(comparison: ComparisonJson): void {
  const section = region('section', 'charts', 'Charts');
  const metrics = comparison.columns.filter((c) => c.kind === 'metric').map((c) => c.name);
  // A param that holds one value in every trial draws a vertical line of points, which says nothing.
  const params = comparison.columns.filter((c) => c.kind === 'param' && numericValues(comparison, c.name).size > 1).map((c) => c.name);
  if (metrics.length === 0) {
    section.append(el('p', { class: 'empty' }, 'No metric is tagged: tag one with ', command('nbprov tag var NAME metric:max'), '.'));
    return;
  }
  const grid = el('div', { class: 'chart-grid' });
  section.append(grid);
  for (const metric of metrics) {
    const best = new Set(comparison.best[metric]?.trials ?? []);
    for (const param of [...params, 'trial']) {
      const points = pointsOf(comparison, param, metric);
      const canvas = el('canvas', { class: 'chart', 'data-metric': metric, 'data-param': param, 'data-points': String(points.length), role: 'img', 'aria-label': `${metric} against ${param}` });
      grid.append(el('figure', { class: 'chart-box' }, el('div', { class: 'chart-frame' }, canvas), el('figcaption', {}, `${metric} against ${param === 'trial' ? 'trial order' : param}`)));
      scatter(canvas, points, param, metric, best);
    }
  }
}

function numberOf(v: unknown): number | undefined {
  const plain = plainText(v);
  return typeof plain === 'number' && Number.isFinite(plain) ? plain : undefined;
}

/** One point per trial holding both numbers; the trial-order chart runs along trial numbers. */
function numericValues(comparison: ComparisonJson, param: string): Set<number> {
  const values = comparison.rows.map((r) => numberOf(r[param])).filter((x): x is number => typeof x === 'number');
  return new Set(values);
}

function pointsOf(comparison: ComparisonJson, param: string, metric: string): Point[] {
  return comparison.rows.flatMap((r) => {
    const x = numberOf(r[param]);
    const y = numberOf(r[metric]);
    return x === undefined || y === undefined ? [] : [{ x, y, trial: Number(r.trial), ...(typeof r.name === 'string' ? { name: r.name } : {}) }];
  });
}

function scatter(canvas: HTMLCanvasElement, points: Point[], param: string, metric: string, best: Set<number>): void {
  const overTrials = param === 'trial';
  // Sorted by x: without parsing, Chart.js takes the data as sorted and reads the x range off its ends.
  const data = [...points].sort((a, b) => a.x - b.x || a.trial - b.trial);
  new Chart(canvas, {
    type: 'scatter',
    data: {
      datasets: [{
        label: metric,
        data,
        showLine: overTrials,
        borderColor: POINT_COLOR,
        pointBackgroundColor: data.map((p) => (best.has(p.trial) ? BEST_COLOR : POINT_COLOR)),
        pointRadius: data.length > 300 ? 2 : 4,
      }],
    },
    options: {
      parsing: false,
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: (item) => tooltip(item.raw as Point, param, metric) } },
      },
      scales: {
        x: { type: 'linear', title: { display: true, text: overTrials ? 'trial' : param }, ticks: overTrials ? { precision: 0 } : {} },
        y: { type: 'linear', title: { display: true, text: metric } },
      },
    },
  });
}

function tooltip(p: Point, param: string, metric: string): string {
  const head = `trial ${p.trial}${p.name ? ` (${p.name})` : ''}`;
  return param === 'trial' ? `${head}: ${metric} ${pythonText(p.y)}` : `${head}: ${param} ${pythonText(p.x)}, ${metric} ${pythonText(p.y)}`;
}
