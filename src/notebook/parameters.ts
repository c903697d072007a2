import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { NbprovError } from '../errors.js';
import { parseNotebook, type LoadedNotebook } from './load.js';

/** One `-p` / `-r` / `-f` value before it meets the notebook's defaults. */
export type RawParameter = { name: string; value: string; raw: boolean } | { name: string; value: unknown; fromFile: true };

type DefaultType = 'int' | 'float' | 'bool' | 'str' | 'list' | 'dict' | 'none' | 'unknown';

export interface Injection {
  notebook: LoadedNotebook;
  parameters: Record<string, unknown>;
  warnings: string[];
}

/** Reads a `-f` parameters file: JSON, or YAML for .yaml/.yml. Exit 2 when it is neither or not a mapping. */
export function readParametersFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new NbprovError('NBPROV_USAGE', `cannot read parameters file ${path}: ${(err as NodeJS.ErrnoException).code}`);
  }
  let data: unknown;
  try {
    data = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new NbprovError('NBPROV_USAGE', `parameters file ${path} is not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(err as Error).message.split('\n')[0]}`, {
      hint: 'write a mapping of names to values, e.g. {"n_trees": 100}',
    });
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new NbprovError('NBPROV_USAGE', `parameters file ${path} must hold a mapping of names to values`);
  }
  return data as Record<string, unknown>;
}

/**
 * Papermill-compatible injection: a cell tagged `injected-parameters` right after the cell tagged `parameters`
 * (first when there is none), assigning each value. A `-p` value takes the type of the default in the parameters
 * cell (papermill#55); without a default it is read as papermill reads it (True/False/None/int/float, else str).
 */
export function injectParameters(nb: LoadedNotebook, raw: RawParameter[], opts: { strict: boolean }): Injection {
  const warnings: string[] = [];
  const paramsCell = nb.codeCells.find((c) => c.tags.includes('parameters'));
  const defaults = paramsCell ? parseDefaults(paramsCell.source) : new Map<string, DefaultType>();
  if (!paramsCell) {
    const message = `${nb.path} has no cell tagged 'parameters'; the parameters are injected as the first cell`;
    if (opts.strict) throw new NbprovError('NBPROV_USAGE', message, { hint: "add the tag 'parameters' to the cell holding the defaults (JupyterLab: Property Inspector → Cell Tags)" });
    warnings.push(message);
  }
  const parameters: Record<string, unknown> = {};
  for (const p of raw) {
    if (!/^[A-Za-z_]\w*$/.test(p.name)) throw new NbprovError('NBPROV_USAGE', `parameter name '${p.name}' is not a Python identifier`);
    const type = defaults.get(p.name);
    if (paramsCell && !type) {
      const message = `parameter '${p.name}' is not assigned in the parameters cell (cell ${paramsCell.index})`;
      if (opts.strict) throw new NbprovError('NBPROV_USAGE', message, { hint: `known parameters: ${[...defaults.keys()].join(', ') || '(none)'}` });
      warnings.push(message);
    }
    parameters[p.name] = 'fromFile' in p ? p.value : p.raw ? p.value : castParameter(p.name, p.value, type ?? 'unknown');
  }
  const source = ['# Parameters', ...Object.entries(parameters).map(([name, value]) => `${name} = ${pythonLiteral(value, defaults.get(name))}`)].join('\n') + '\n';
  const cell = { cell_type: 'code', execution_count: null, id: randomBytes(4).toString('hex'), metadata: { tags: ['injected-parameters'] }, outputs: [], source };
  const content = structuredClone(nb.content) as unknown as { cells: unknown[] };
  content.cells.splice(paramsCell ? paramsCell.index : 0, 0, cell);
  return { notebook: parseNotebook(nb.path, JSON.stringify(content)), parameters, warnings };
}

/** Casts a command-line string to the default's type; a value that cannot be one is a usage error (exit 2). */
export function castParameter(name: string, value: string, type: DefaultType): unknown {
  const fail = (what: string) =>
    new NbprovError('NBPROV_USAGE', `-p ${name} '${value}': expected ${what}, the type of its default in the parameters cell`, { hint: `use -r ${name} VALUE to pass a raw string` });
  switch (type) {
    case 'int':
      if (!/^[-+]?\d+$/.test(value.trim())) throw fail('an int');
      return Number(value);
    case 'float': {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) throw fail('a float');
      return n;
    }
    case 'bool': {
      const v = value.trim().toLowerCase();
      if (['true', '1', 'yes'].includes(v)) return true;
      if (['false', '0', 'no'].includes(v)) return false;
      throw fail('a bool (True/False)');
    }
    case 'str':
      return value;
    case 'list':
    case 'dict': {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        throw fail(`a JSON ${type}`);
      }
      if (type === 'list' ? !Array.isArray(parsed) : !parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw fail(`a JSON ${type}`);
      return parsed;
    }
    default:
      return papermillValue(value);
  }
}

/** papermill's `_resolve_type`, plus JSON lists and mappings. */
export function papermillValue(value: string): unknown {
  if (value === 'True') return true;
  if (value === 'False') return false;
  if (value === 'None') return null;
  if (/^[-+]?\d+$/.test(value)) return Number(value);
  if (/^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$/.test(value) || /^[-+]?(inf|nan)$/i.test(value)) return Number(value);
  if (/^[[{]/.test(value)) {
    try {
      return JSON.parse(value);
    } catch {
      /* a string that merely starts with a bracket */
    }
  }
  return value;
}

/** Renders a value as Python source. */
export function pythonLiteral(value: unknown, type?: DefaultType): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return "float('nan')";
    if (!Number.isFinite(value)) return value > 0 ? "float('inf')" : "float('-inf')";
    return type === 'float' && Number.isInteger(value) ? `${value}.0` : String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => pythonLiteral(v)).join(', ')}]`;
  if (typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pythonLiteral(v)}`).join(', ')}}`;
  return JSON.stringify(String(value));
}

/** `name = literal` assignments of a parameters cell and the type of each default. */
export function parseDefaults(source: string): Map<string, DefaultType> {
  const defaults = new Map<string, DefaultType>();
  for (const line of source.split('\n')) {
    const m = /^([A-Za-z_]\w*)\s*(?::\s*[^=]+)?=\s*(.+?)\s*(?:#.*)?$/.exec(line);
    if (m && !m[2].startsWith('=')) defaults.set(m[1], literalType(m[2]));
  }
  return defaults;
}

function literalType(text: string): DefaultType {
  if (/^[-+]?\d+$/.test(text)) return 'int';
  if (/^[-+]?(\d+\.\d*|\.\d+|\d+(\.\d*)?[eE][-+]?\d+)$/.test(text)) return 'float';
  if (text === 'True' || text === 'False') return 'bool';
  if (text === 'None') return 'none';
  if (/^[rbuf]?(['"]).*\1$/i.test(text)) return 'str';
  if (text.startsWith('[')) return 'list';
  if (text.startsWith('{')) return 'dict';
  return 'unknown';
}
