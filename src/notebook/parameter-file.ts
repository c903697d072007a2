import { readFileSync } from 'node:fs';
import { parse as parseYaml, parseDocument, visit } from 'yaml';
import { NbprovError } from '../errors.js';
import { FloatLiteral } from './py-literal.js';

/** Reads a `-f` parameters file: JSON, or YAML for .yaml/.yml. Exit 2 when it is neither or not a mapping. */
export function readParametersFile(path: string): Record<string, unknown> {
  const data = readDataFile(path, 'parameters file', 'write a mapping of names to values, e.g. {"n_trees": 100}');
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new NbprovError('NBPROV_USAGE', `parameters file ${path} must hold a mapping of names to values`);
  }
  return data as Record<string, unknown>;
}

/**
 * Reads a JSON file, or YAML for .yaml/.yml, with numbers typed as written (see withFloatLiterals). Exit 2 when it
 * cannot be read or parsed, or nests too deep. `what` and `hint` name the file's role in messages.
 */
export function readDataFile(path: string, what: string, hint: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new NbprovError('NBPROV_USAGE', `cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code}`);
  }
  const yaml = /\.ya?ml$/i.test(path);
  let data: unknown;
  try {
    data = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new NbprovError('NBPROV_USAGE', `${what} ${path} is not valid ${yaml ? 'YAML' : 'JSON'}: ${(err as Error).message.split('\n')[0]}`, { hint });
  }
  if (nestingDepth(data) > MAX_VALUE_NESTING) {
    throw new NbprovError('NBPROV_USAGE', `${what} ${path} nests values more than ${MAX_VALUE_NESTING} deep`, { hint: 'parameters are literals a cell can hold: flatten the value' });
  }
  return withFloatLiterals(text, yaml) ?? data;
}

/**
 * The file's data with whole numbers written as floats (`100.0`, `1e3`) kept as FloatLiterals, which parsed data
 * cannot tell from ints: a number keeps the type it is written in, as with -p. Undefined when the YAML parser reads
 * the file differently from the JSON one (duplicate keys): then it is read as papermill reads it.
 */
function withFloatLiterals(text: string, yaml: boolean): unknown {
  const doc = parseDocument(text, yaml ? {} : { schema: 'json' });
  if (doc.errors.length) return undefined;
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === 'number' && Number.isInteger(node.value) && /[.eE]/.test(node.source ?? '') && !/^[-+]?0[xXoO]/.test(node.source ?? '')) {
        node.value = new FloatLiteral(node.value);
      }
    },
  });
  return doc.toJS() as unknown;
}

/** Deeper values would overflow the stack of the code that types and writes them (a crafted -f file). */
const MAX_VALUE_NESTING = 100;

/** How deep lists and mappings nest in parsed JSON/YAML data, counted without recursion. */
function nestingDepth(data: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[data, 1]];
  while (stack.length) {
    const [value, depth] = stack.pop()!;
    if (!value || typeof value !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_VALUE_NESTING) return deepest;
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return deepest;
}
