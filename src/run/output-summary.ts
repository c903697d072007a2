import type { IOutput } from '@jupyterlab/nbformat';

const SUMMARY_LIMIT = 200;

/** A one-line account of a cell's outputs for `nbprov show`: kinds, and the first text line. */
export function summarizeOutputs(outputs: IOutput[]): string {
  if (outputs.length === 0) return '';
  const parts: string[] = [];
  for (const out of outputs) {
    if (out.output_type === 'stream') parts.push(`${out.name}: ${firstLine(out.text)}`);
    else if (out.output_type === 'error') parts.push(`${out.ename}: ${firstLine(out.evalue)}`);
    else {
      const data = (out as { data?: Record<string, unknown> }).data ?? {};
      const text = data['text/plain'];
      const kinds = Object.keys(data).filter((k) => k !== 'text/plain');
      parts.push(text !== undefined ? firstLine(text) + (kinds.length ? ` [+${kinds.join(',')}]` : '') : `[${kinds.join(',')}]`);
    }
  }
  const summary = parts.join(' | ');
  return summary.length > SUMMARY_LIMIT ? summary.slice(0, SUMMARY_LIMIT - 1) + '…' : summary;
}

function firstLine(text: unknown): string {
  const s = Array.isArray(text) ? text.join('') : String(text ?? '');
  return s.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
}
