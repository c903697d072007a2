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

/**
 * Outputs in nbformat's on-disk shape: stream text and mime text values split into lines; `mask` applied to every
 * text (streams, text mimetypes' values and the string values inside JSON ones, errors; base64 images are left
 * alone), as the kernel masks what it publishes (output_mask.py).
 */
export function outputsForDisk(outputs: IOutput[], mask: TextMask = UNMASKED): IOutput[] {
  const maskText = (text: string) => mask.apply(text);
  return outputs.map((out) => {
    const copy = { ...out } as Record<string, unknown>;
    if (typeof copy.text === 'string') copy.text = splitLines(maskText(copy.text));
    if (typeof copy.evalue === 'string') copy.evalue = maskText(copy.evalue);
    if (Array.isArray(copy.traceback)) copy.traceback = copy.traceback.map((line) => (typeof line === 'string' ? maskText(line) : line));
    if (copy.data && typeof copy.data === 'object') {
      const data: Record<string, unknown> = {};
      for (const [mime, value] of Object.entries(copy.data as Record<string, unknown>)) {
        const masked = TEXT_MIME.test(mime) ? maskStrings(value, maskText) : value;
        data[mime] = typeof masked === 'string' && (mime.startsWith('text/') || SPLIT_MIMES.has(mime)) ? splitLines(masked) : masked;
      }
      copy.data = data;
    }
    return copy as IOutput;
  });
}

/** What masks secrets in output text (run/output-summary.ts's OutputMask). */
export interface TextMask {
  apply(text: string): string;
}

const UNMASKED: TextMask = { apply: (text) => text };

/** The mimetypes whose values are text the kernel masks too (output_mask.py): text/*, JSON, XML, JavaScript. */
const TEXT_MIME = /^text\/|(json|\+xml|javascript)$/;

function maskStrings(value: unknown, mask: (text: string) => string): unknown {
  if (typeof value === 'string') return mask(value);
  if (Array.isArray(value)) return value.map((v) => maskStrings(v, mask));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskStrings(v, mask)]));
  return value;
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
