import type { IOutput } from '@jupyterlab/nbformat';
import { maskUrlPasswords } from '../errors.js';

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

/**
 * The run's masking of cell output text, in what the database keeps, the live lines and the executed notebook: URL
 * passwords, and every string the collector found secret (a redacted variable's value, printed or displayed by a
 * cell). The kernel masks what it publishes already; this catches what it cannot: a secret it learns only as the
 * cell ends, one written in pieces, and those past its first 64. Off with --no-redact.
 */
export class OutputMask {
  readonly #enabled: boolean;
  readonly #secrets = new Set<string>();
  #longestFirst?: string[];

  constructor(enabled: boolean) {
    this.#enabled = enabled;
  }

  /** The secrets a cell's capture payload reports. */
  learn(secrets: string[] | undefined): void {
    if (!this.#enabled || !secrets?.length) return;
    for (const s of secrets) if (s.length >= 4) this.#secrets.add(s);
    this.#longestFirst = undefined;
  }

  apply(text: string): string {
    if (!this.#enabled) return text;
    let out = maskUrlPasswords(text);
    // Longest first: a secret inside a longer one would otherwise leave the longer one's rest readable.
    this.#longestFirst ??= [...this.#secrets].sort((a, b) => b.length - a.length);
    for (const s of this.#longestFirst) if (out.includes(s)) out = out.split(s).join('<redacted>');
    return out;
  }
}
