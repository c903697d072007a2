import type { EdgeKind, VersionNode } from '../graph/lineage.js';
import { pythonString } from '../python-text.js';

const REPR_WIDTH = 40;

/** `accuracy v2`, with the kind when it is not a plain assignment: `model v2 (mutate)`. */
export function versionTitle(n: Pick<VersionNode, 'name' | 'version' | 'kind' | 'iterations'>): string {
  const kind = n.kind === 'assign' || n.kind === 'unknown' ? '' : n.kind === 'loop' && n.iterations !== null ? ` (loop, ${n.iterations} iterations)` : ` (${n.kind})`;
  return `${n.name} v${n.version}${kind}`;
}

/**
 * A short value: an exact scalar as Python writes it, a summary for arrays, frames and collections, else the start
 * of the repr. Empty for functions, classes and modules, whose repr says nothing their kind does not.
 */
export function shortValue(n: VersionNode): string {
  if (n.value !== null) return pythonScalar(n.value);
  const type = n.type ? n.type.slice(n.type.lastIndexOf('.') + 1) : '';
  const s = n.summary;
  if (s && Array.isArray(s.shape)) return [type, s.dtype, `(${s.shape.join(', ')}${s.shape.length === 1 ? ',' : ''})`].filter(Boolean).join(' ');
  if (s && typeof s.len === 'number') return [type, s.dtype, `len ${s.len}`].filter(Boolean).join(' ');
  if (['import', 'def', 'class'].includes(n.kind) || n.type === 'module' || n.type === 'function') return '';
  if (!n.repr) return '';
  // Addresses change from run to run and say nothing about the value.
  const line = n.repr.split('\n')[0].replace(/ at 0x[0-9a-fA-F]+/g, '');
  return line.length > REPR_WIDTH ? line.slice(0, REPR_WIDTH - 1) + '…' : line;
}

/** `cell 7 · model-scoring · line 3`, leaving out what is unknown. */
export function versionPlace(n: Pick<VersionNode, 'cell' | 'stage' | 'line'>): string {
  return [n.cell !== null ? `cell ${n.cell}` : null, n.stage, n.line !== null ? `line ${n.line}` : null].filter(Boolean).join(' · ');
}

/** An edge's marker in a tree line: nothing for a plain data dependency, else `[control]`, `[mutation]`, ... */
export function edgeMarker(kinds: readonly EdgeKind[] | undefined): string {
  if (!kinds || (kinds.length === 1 && kinds[0] === 'data')) return '';
  return `[${kinds.join('+')}] `;
}

/** The decoded value for JSON output: exact scalars as JSON values, null otherwise. */
export function jsonValue(n: VersionNode): unknown {
  if (n.value === null) return null;
  try {
    return JSON.parse(n.value);
  } catch {
    return n.value;
  }
}

function pythonScalar(json: string): string {
  if (json === 'true') return 'True';
  if (json === 'false') return 'False';
  if (json === 'null') return 'None';
  if (json.startsWith('"')) {
    try {
      const text = JSON.parse(json) as string;
      return pythonString(text.length > REPR_WIDTH ? text.slice(0, REPR_WIDTH - 1) + '…' : text);
    } catch {
      return json;
    }
  }
  return json;
}

