// Section 4: the lineage of each tagged metric in the selected trial (the newest with lineage by default).
import { command, el, refill, region } from './dom.js';
import { lineageSvg, wireZoom } from './lineage-graph.js';
import { stageColor, NO_STAGE } from './stages.js';
import type { LineageJson, PageModel } from './types.js';

export function renderLineage(model: PageModel, trial: number | undefined, metrics: string[]): void {
  const section = region('section', 'lineage', 'Lineage');
  if (trial === undefined) {
    refill(section, el('p', { class: 'empty' }, 'No trial has lineage in this report.'));
    return;
  }
  const graphs = model.lineage[String(trial)];
  if (!graphs) {
    const example = metrics[0] ?? 'METRIC';
    refill(section, el('p', { class: 'not-in-report' }, `The lineage of trial ${trial} is not in this report: run `, command(`nbprov deps ${example} --trial ${trial}`), '.'));
    return;
  }
  const names = Object.keys(graphs).sort();
  const figures = names.map((metric, i) => figure(metric, trial, graphs[metric], `nbprov-arrow-${i}`));
  const intro = el('p', { class: 'lineage-intro' }, `Trial ${trial}: how each metric was computed, data flowing left to right. Hover a node for its value, cell and line; wheel or buttons to zoom, drag to pan.`);
  refill(section, intro, legend(graphs), ...(figures.length ? figures : [el('p', { class: 'empty' }, `Trial ${trial} recorded no tagged metric.`)]));
}

function figure(metric: string, trial: number, graph: LineageJson, markerId: string): HTMLElement {
  const { element, box } = lineageSvg(graph, markerId);
  const zoomIn = el('button', { type: 'button', class: 'zoom-in', title: 'zoom in', 'aria-label': 'zoom in' }, '+');
  const zoomOut = el('button', { type: 'button', class: 'zoom-out', title: 'zoom out', 'aria-label': 'zoom out' }, '−');
  const reset = el('button', { type: 'button', class: 'zoom-reset', title: 'fit the whole graph' }, 'fit');
  wireZoom(element, box, { zoomIn, zoomOut, reset });
  const caption = el('figcaption', {}, el('span', { class: 'metric' }, metric), ` ${graph.nodes.length} versions`, el('span', { class: 'zoom' }, zoomIn, zoomOut, reset));
  return el('figure', { class: 'lineage', 'data-metric': metric, 'data-trial': String(trial) }, caption, el('div', { class: 'graph' }, element));
}

/** The stages that colour this trial's nodes. */
function legend(graphs: Record<string, LineageJson>): HTMLElement {
  const stages = [...new Set(Object.values(graphs).flatMap((g) => g.nodes.map((n) => n.stage ?? NO_STAGE)))].sort();
  const item = (stage: string) => {
    const swatch = el('span', { class: 'swatch' });
    swatch.style.backgroundColor = stageColor(stage);
    return el('li', {}, swatch, stage);
  };
  return el('ul', { class: 'legend' }, ...stages.map(item), el('li', {}, el('span', { class: 'swatch mutation' }), 'mutation edge'));
}
