import type { IOutput } from '@jupyterlab/nbformat';
import type { OutputMask } from './output-summary.js';
import type { OutputLine } from './types.js';

/**
 * How long an unfinished line (a `print(..., end='')`, a `\r` progress bar) waits for its newline before it is
 * shown as it stands: long enough to join the pieces of a line printed at once, short enough to stay live.
 */
export const PARTIAL_LINE_MS = 1_000;

type StreamName = OutputLine['stream'];

/**
 * The lines one cell shows as it runs (`--log-output`): each stream cut into lines, a `\r` rewriting its line as a
 * terminal shows it, each display, result or error told in one line, secrets masked as in what is stored. A line
 * is passed on as soon as it is complete; the rest of an unfinished one after PARTIAL_LINE_MS, or when the cell ends.
 */
export class LiveLines {
  readonly #emit: (line: OutputLine) => void;
  readonly #mask: OutputMask;
  readonly #pending: Record<StreamName, string> = { stdout: '', stderr: '' };
  readonly #timers: Partial<Record<StreamName, NodeJS.Timeout>> = {};

  constructor(emit: (line: OutputLine) => void, mask: OutputMask) {
    this.#emit = emit;
    this.#mask = mask;
  }

  /** One output as the kernel sent it. */
  add(output: IOutput): void {
    if (output.output_type === 'stream') {
      const name = output.name === 'stderr' ? 'stderr' : 'stdout';
      this.#stream(name, Array.isArray(output.text) ? output.text.join('') : String(output.text));
      return;
    }
    // What a stream left unfinished came before this output: show it first, so the order holds.
    this.end();
    for (const line of accountOf(output)) this.#line(line.stream, line.text);
  }

  /** The cell ended (or stopped): the unfinished lines are shown as they stand. */
  end(): void {
    this.#flush('stdout');
    this.#flush('stderr');
  }

  #stream(name: StreamName, text: string): void {
    const lines = (this.#pending[name] + text).split('\n');
    this.#pending[name] = lines.pop()!;
    for (const line of lines) this.#line(name, visible(line));
    if (this.#pending[name] === '') {
      clearTimeout(this.#timers[name]);
      this.#timers[name] = undefined;
    } else if (!this.#timers[name]) {
      this.#timers[name] = setTimeout(() => this.#flush(name), PARTIAL_LINE_MS).unref();
    }
  }

  #flush(name: StreamName): void {
    clearTimeout(this.#timers[name]);
    this.#timers[name] = undefined;
    const rest = visible(this.#pending[name]);
    this.#pending[name] = '';
    if (rest !== '') this.#line(name, rest);
  }

  #line(stream: StreamName, text: string): void {
    this.#emit({ stream, text: this.#mask.apply(text) });
  }
}

/** A line as a terminal leaves it: what follows its last `\r` (a progress bar's last state). */
function visible(line: string): string {
  const text = line.replace(/\r+$/, '');
  return text.slice(text.lastIndexOf('\r') + 1);
}

/**
 * A display, result or error in lines: plain text as it reads, anything richer as `[display: image/png 640×480]`
 * (the size from the PNG's header), an error as `[error: ValueError: message]` on stderr.
 */
function accountOf(output: IOutput): OutputLine[] {
  if (output.output_type === 'error') {
    const evalue = String(output.evalue ?? '').split('\n')[0];
    return [{ stream: 'stderr', text: `[error: ${output.ename}${evalue ? `: ${evalue}` : ''}]` }];
  }
  const data = (output as { data?: Record<string, unknown> }).data ?? {};
  const kinds = Object.keys(data).filter((k) => k !== 'text/plain');
  if (kinds.length) return [{ stream: 'stdout', text: `[display: ${kinds.map((k) => describe(k, data[k])).join(', ')}]` }];
  const text = data['text/plain'];
  if (text === undefined) return [];
  return (Array.isArray(text) ? text.join('') : String(text)).replace(/\n$/, '').split('\n').map((line) => ({ stream: 'stdout', text: visible(line) }));
}

function describe(mimetype: string, value: unknown): string {
  const size = mimetype === 'image/png' && typeof value === 'string' ? pngSize(value) : undefined;
  return size ? `${mimetype} ${size.width}×${size.height}` : mimetype;
}

const PNG_SIGNATURE = '89504e470d0a1a0a';

/** Width and height from a base64 PNG's IHDR chunk (its first 24 bytes); undefined when it is no PNG. */
export function pngSize(base64: string): { width: number; height: number } | undefined {
  const head = Buffer.from(base64.slice(0, 64).replace(/\s+/g, '').slice(0, 32), 'base64');
  if (head.length < 24 || head.subarray(0, 8).toString('hex') !== PNG_SIGNATURE || head.subarray(12, 16).toString('latin1') !== 'IHDR') return undefined;
  return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
}
