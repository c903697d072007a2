import type { IOutput } from '@jupyterlab/nbformat';
import { splitLines } from './load.js';

// Where it always lived; the report writes its page with it too, and report/ may not import notebook/.
export { writeFileAtomic } from '../write-atomic.js';

/**
 * Serializes a notebook byte-compatibly with nbformat's writer: keys sorted, one-space indent,
 * multiline strings split into lines, trailing newline.
 */
export function serializeNotebook(nb: unknown): string {
  return JSON.stringify(sortKeys(nb), null, 1) + '\n';
}

/** Outputs in nbformat's on-disk shape: stream text and mime text values split into lines. */
export function outputsForDisk(outputs: IOutput[]): IOutput[] {
  return outputs.map((out) => {
    const copy = { ...out } as Record<string, unknown>;
    if (typeof copy.text === 'string') copy.text = splitLines(copy.text);
    if (copy.data && typeof copy.data === 'object') {
      const data: Record<string, unknown> = {};
      for (const [mime, value] of Object.entries(copy.data as Record<string, unknown>)) {
        data[mime] = typeof value === 'string' && (mime.startsWith('text/') || SPLIT_MIMES.has(mime)) ? splitLines(value) : value;
      }
      copy.data = data;
    }
    return copy as IOutput;
  });
}

// nbformat splits text/* and these into lines; images and JSON stay whole.
const SPLIT_MIMES = new Set(['application/javascript', 'image/svg+xml']);

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}
