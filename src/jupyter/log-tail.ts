import { redact } from '../errors.js';

const LOG_LINES_KEPT = 40;

/** A bounded, token-free tail of a server's log. */
export class LogTail {
  #lines: string[] = [];
  #partial = '';
  readonly #token: string;
  #onLine?: () => void;
  constructor(token: string) {
    this.#token = token;
  }
  push(chunk: string): void {
    const parts = (this.#partial + chunk).split('\n');
    this.#partial = parts.pop() ?? '';
    for (const line of parts) this.#lines.push(redact(line, this.#token));
    if (parts.length) this.#onLine?.();
    if (this.#lines.length > LOG_LINES_KEPT) this.#lines.splice(0, this.#lines.length - LOG_LINES_KEPT);
  }
  text(): string {
    return [...this.#lines, redact(this.#partial, this.#token)].filter(Boolean).join('\n');
  }
  /** The last lines under a heading, as an error's details; undefined while the server has said nothing. */
  details(): string | undefined {
    const text = this.text();
    return text ? `server log (last lines):\n${text.split('\n').slice(-8).join('\n')}` : undefined;
  }
  /** Resolves at the next complete line (or after `ms`): what a poll can wait on instead of a fixed pause. */
  nextLine(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#onLine = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#onLine = done;
    });
  }
  lastLine(): string {
    const lines = this.text().split('\n').filter((l) => l.trim());
    return lines.slice(-3).join(' | ') || '(no output)';
  }
}
