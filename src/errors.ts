/** Exit codes of every nbprov command; no other table exists. */
export const ExitCode = {
  ok: 0,
  cellFailed: 1,
  /** `--fail-on-regression`: a directed metric got worse. */
  regression: 1,
  usage: 2,
  kernel: 3,
  interrupted: 130,
  /** SIGTERM (`timeout`, CI cancellation, `docker stop`) and SIGHUP (a closed terminal): 128 + the signal. */
  terminated: 143,
  hangup: 129,
  bug: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorCode =
  | 'NBPROV_USAGE'
  | 'NBPROV_BAD_NOTEBOOK'
  | 'NBPROV_NOT_FOUND'
  | 'NBPROV_UNKNOWN_KERNEL'
  | 'NBPROV_BAD_SELECTOR'
  | 'NBPROV_BAD_DATABASE'
  | 'NBPROV_SERVER'
  | 'NBPROV_TOKEN_REJECTED'
  | 'NBPROV_KERNEL_DIED'
  | 'NBPROV_TIMEOUT'
  | 'NBPROV_INTERRUPTED'
  | 'NBPROV_CELL_FAILED'
  | 'NBPROV_REGRESSION';

const defaultExit: Record<ErrorCode, ExitCode> = {
  NBPROV_USAGE: ExitCode.usage,
  NBPROV_BAD_NOTEBOOK: ExitCode.usage,
  NBPROV_NOT_FOUND: ExitCode.usage,
  NBPROV_UNKNOWN_KERNEL: ExitCode.usage,
  NBPROV_BAD_SELECTOR: ExitCode.usage,
  NBPROV_BAD_DATABASE: ExitCode.usage,
  NBPROV_SERVER: ExitCode.kernel,
  NBPROV_TOKEN_REJECTED: ExitCode.kernel,
  NBPROV_KERNEL_DIED: ExitCode.kernel,
  NBPROV_TIMEOUT: ExitCode.kernel,
  NBPROV_INTERRUPTED: ExitCode.interrupted,
  NBPROV_CELL_FAILED: ExitCode.cellFailed,
  NBPROV_REGRESSION: ExitCode.regression,
};

/** The one error type users see: a code, a one-line message, and a hint naming what to do. */
export class NbprovError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  /** Lines of context printed under the message, e.g. the tail of a server's log. */
  details?: string;
  readonly exitCode: ExitCode;

  constructor(code: ErrorCode, message: string, opts: { hint?: string; cause?: unknown; exitCode?: ExitCode; details?: string } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'NbprovError';
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details;
    this.exitCode = opts.exitCode ?? defaultExit[code];
  }
}

/** An error as nbprov prints it: `nbprov: message`, the hint under it, then its details indented. */
export function formatError(err: { message: string; hint?: string; details?: string }): string {
  const details = err.details ? `${err.details.split('\n').map((l) => `    ${l}`).join('\n')}\n` : '';
  return `nbprov: ${err.message}\n${err.hint ? `  hint: ${err.hint}\n` : ''}${details}`;
}

/** Removes every occurrence of a secret from a message before it can reach a terminal or a log. */
export function redact(text: string, ...secrets: (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('<token>');
  return out;
}

const URL_PASSWORD = /(\b[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:/@'"]*:)([^\s@/'"]+)(@)/g;

/** `postgres://user:pw@host/db` → `postgres://user:<redacted>@host/db`, as the collector masks recorded values. */
export function maskUrlPasswords(text: string): string {
  return text.includes('://') ? text.replace(URL_PASSWORD, '$1<redacted>$3') : text;
}
