import { ExitCode, NbprovError } from '../errors.js';
import type { FinalStatus } from './types.js';

const STATUS_BY_ERROR: Partial<Record<string, FinalStatus>> = {
  NBPROV_KERNEL_DIED: 'kernel-died',
  NBPROV_TIMEOUT: 'timed-out',
  NBPROV_INTERRUPTED: 'interrupted',
  NBPROV_SERVER: 'server-lost',
};

/** The status a trial closes with when `error` stopped it; `finished` when nothing did. */
export function trialStatusOf(error?: NbprovError): FinalStatus {
  return error ? STATUS_BY_ERROR[error.code] ?? 'failed' : 'finished';
}

/** What stopped the run, from the signal the abort carries as its reason (SIGINT when none). */
export function stopped(signal?: AbortSignal): NbprovError {
  const reason: unknown = signal?.reason;
  if (reason === 'SIGTERM') return new NbprovError('NBPROV_INTERRUPTED', 'terminated (SIGTERM)', { exitCode: ExitCode.terminated });
  if (reason === 'SIGHUP') return new NbprovError('NBPROV_INTERRUPTED', 'hung up (SIGHUP)', { exitCode: ExitCode.hangup });
  return new NbprovError('NBPROV_INTERRUPTED', 'interrupted (Ctrl-C)');
}

/** Throws what stopped the run once `signal` is aborted. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw stopped(signal);
}
