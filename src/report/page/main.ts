// The report page: reads the model from the page's JSON block and draws the sections in the order.
// Every string from the model goes in as text (textContent, attribute values); the CSP forbids inline code anyway.
import { renderCharts } from './charts.js';
import { renderDetails } from './details.js';
import { renderDiff } from './diff.js';
import { renderExplain } from './explain.js';
import { el, region } from './dom.js';
import { renderHeader } from './header.js';
import { renderLineage } from './lineage.js';
import { renderTimings } from './timings.js';
import { renderTrials } from './trials.js';
import type { PageModel } from './types.js';

function start(): void {
  const data = document.getElementById('nbprov-data');
  if (!data?.textContent) {
    document.body.append(el('p', { class: 'error' }, 'This report carries no data (no #nbprov-data block).'));
    return;
  }
  const model = JSON.parse(data.textContent) as PageModel;
  // Sections first, in order, so that they keep it whatever fills them first.
  renderHeader(model);
  for (const [id, title] of [['trials', 'Trials'], ['charts', 'Charts'], ['explain', 'Explain'], ['lineage', 'Lineage'], ['timings', 'Stage timings'], ['diff', 'Diff'], ['details', 'Details']]) region('section', id, title);
  const metrics = model.comparison.columns.filter((c) => c.kind === 'metric').map((c) => c.name);
  const newest = model.lineageTrials.length ? Math.max(...model.lineageTrials) : undefined;
  const select = (selected: number[]) => {
    const focus = selected.at(-1) ?? newest;
    renderLineage(model, focus, metrics);
    renderDiff(model, selected);
    renderDetails(model, focus);
  };
  renderTrials(model.comparison, select);
  select([]);
  renderCharts(model.comparison);
  renderExplain(model);
  renderTimings(model.timings);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
