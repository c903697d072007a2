import { resolve } from 'node:path';
import { NbprovError } from '../errors.js';
import type { PlannedRun } from './grid.js';

const FIELD = /\{([^{}]*)\}/g;

/**
 * The executed notebook's path of each run from a papermill-style template: `out/{n_trees}-{test_size}.ipynb`,
 * plus `{repeat}` and `{position}`. Refuses a template that names an unknown field or maps two runs to one file
 * (they would overwrite each other).
 */
export function outputPaths(template: string, runs: PlannedRun[]): string[] {
  const known = new Set(['repeat', 'position', ...runs.flatMap((r) => Object.keys(r.combination))]);
  for (const [, field] of template.matchAll(FIELD)) {
    if (!known.has(field)) {
      throw new NbprovError('NBPROV_USAGE', `-o ${template}: no parameter '${field}' in the sweep`, { hint: `fields: ${[...known].map((f) => `{${f}}`).join(' ')}` });
    }
  }
  const paths = runs.map((run) => template.replace(FIELD, (_, field: string) => fieldText(run, field)));
  const seen = new Map<string, number>();
  paths.forEach((path, i) => {
    const other = seen.get(resolve(path));
    if (other !== undefined) {
      throw new NbprovError('NBPROV_USAGE', `-o ${template}: runs ${other + 1} and ${i + 1} would both write ${path}`, {
        hint: runs.some((r) => r.repeat > 0) ? 'add {repeat} to the template' : 'add the parameters that differ to the template',
      });
    }
    seen.set(resolve(path), i);
  });
  return paths;
}

function fieldText(run: PlannedRun, field: string): string {
  const value = field === 'repeat' ? run.repeat : field === 'position' ? run.position : run.combination[field];
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? 'None';
  // A value is one path segment: a '/' in it must not make a directory.
  return text.replace(/[/\\\0]/g, '_');
}
