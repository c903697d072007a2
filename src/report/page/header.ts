// Section 1: what the report covers.
import { el, region } from './dom.js';
import type { PageModel } from './types.js';

export function renderHeader(model: PageModel): void {
  const header = region('header', 'report-header');
  const range = model.dateRange ? (model.dateRange[0].slice(0, 16) === model.dateRange[1].slice(0, 16) ? model.dateRange[0].slice(0, 16) : `${model.dateRange[0].slice(0, 16)} – ${model.dateRange[1].slice(0, 16)}`) : '-';
  header.replaceChildren(
    el('h1', {}, el('span', { class: 'notebook' }, model.title)),
    el(
      'p',
      { class: 'facts' },
      el('span', { class: 'trial-count' }, `${model.trials} trial${model.trials === 1 ? '' : 's'}`),
      el('span', { class: 'date-range' }, range),
      el('span', { class: 'nbprov-version' }, `nbprov ${model.nbprov}`),
      el('span', { class: 'generated' }, `report made ${model.generated.slice(0, 16).replace('T', ' ')}`),
    ),
  );
}
