// Section 5: seconds per stage, one stacked bar per trial, so that a slow stage stands out.
import { stageOrder } from '../../stages.js';
import { formatSeconds } from '../../render/durations.js';
import { Chart } from './chart-setup.js';
import { el, region } from './dom.js';
import { NO_STAGE, stageColor } from './stages.js';
import type { PageModel } from './types.js';

export function renderTimings(timings: PageModel['timings']): void {
  const section = region('section', 'timings', 'Stage timings');
  const stages = [...new Set(timings.flatMap((t) => Object.keys(t.stages)))].sort(
    (a, b) => stageOrder(a === NO_STAGE ? undefined : a) - stageOrder(b === NO_STAGE ? undefined : b) || a.localeCompare(b),
  );
  const canvas = el('canvas', { id: 'timings-chart', 'data-trials': String(timings.length), 'data-stages': String(stages.length), role: 'img', 'aria-label': 'seconds per stage of each trial' });
  section.append(el('div', { class: 'chart-frame wide' }, canvas));
  new Chart(canvas, {
    type: 'bar',
    data: {
      labels: timings.map((t) => String(t.trial)),
      datasets: stages.map((stage) => ({
        label: stage,
        data: timings.map((t) => t.stages[stage] ?? 0),
        backgroundColor: stageColor(stage),
      })),
    },
    options: {
      plugins: {
        tooltip: { callbacks: { title: (items) => `trial ${items[0]?.label ?? ''}`, label: (item) => `${item.dataset.label}: ${formatSeconds(item.raw as number)}` } },
      },
      scales: {
        x: { stacked: true, title: { display: true, text: 'trial' } },
        y: { stacked: true, title: { display: true, text: 'seconds' } },
      },
    },
  });
}
