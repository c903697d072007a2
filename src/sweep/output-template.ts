import { resolve } from 'node:path';
import { NbprovError } from '../errors.js';
import { valueText, type PlannedRun } from './grid.js';

const FIELD = /\{([^{}]*)\}/g;

/**
 * The executed notebook's path of each run from a papermill-style template: `out/{n_trees}-{test_size}.ipynb`,
 * plus `{repeat}` and `{position}`. Refuses a template that names an unknown field or maps two runs to one file
 * (they would overwrite each other).
 */
export function outputPaths(template: string, runs: PlannedRun[]): string[] {
  // A value is one path segment: a '/' in it must not make a directory.
  return fillTemplate(template, runs, { flag: '-o', clash: (path) => `would both write ${path}`, key: (path) => resolve(path), value: (text) => text.replace(/[/\\\0]/g, '_') });
}

/** Each run's trial name from a `--name` template such as `trees-{n_trees}`; two runs may not get one name. */
export function nameTemplateNames(template: string, runs: PlannedRun[]): string[] {
  return fillTemplate(template, runs, { flag: '--name', clash: (name) => `would both be named ${name}`, key: (name) => name, value: (text) => text });
}

interface TemplateUse {
  flag: string;
  /** What two runs mapped to one text would do, for the refusal. */
  clash(text: string): string;
  /** When two texts are the same (two spellings of one path are). */
  key(text: string): string;
  /** A field's value text as it goes into the template. */
  value(text: string): string;
}

/** A template filled from each run's combination (`{name}`), `{repeat}` and `{position}`, distinct for every run. */
function fillTemplate(template: string, runs: PlannedRun[], use: TemplateUse): string[] {
  const known = new Set(['repeat', 'position', ...runs.flatMap((r) => Object.keys(r.combination))]);
  for (const [, field] of template.matchAll(FIELD)) {
    if (!known.has(field)) {
      throw new NbprovError('NBPROV_USAGE', `${use.flag} ${template}: no parameter '${field}' in the sweep`, { hint: `fields: ${[...known].map((f) => `{${f}}`).join(' ')}` });
    }
  }
  const texts = runs.map((run) => template.replace(FIELD, (_, field: string) => use.value(fieldText(run, field))));
  const seen = new Map<string, number>();
  texts.forEach((text, i) => {
    const other = seen.get(use.key(text));
    if (other !== undefined) {
      throw new NbprovError('NBPROV_USAGE', `${use.flag} ${template}: runs ${other + 1} and ${i + 1} ${use.clash(text)}`, {
        hint: runs.some((r) => r.repeat > 0) ? 'add {repeat} to the template' : 'add the parameters that differ to the template',
      });
    }
    seen.set(use.key(text), i);
  });
  return texts;
}

/** A run's value of a template field (a parameter, `repeat` or `position`), as valueText writes it. */
export function fieldText(run: PlannedRun, field: string): string {
  return valueText(field === 'repeat' ? run.repeat : field === 'position' ? run.position : run.combination[field]);
}
