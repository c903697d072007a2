/**
 * Where a run's wall time went (`run --timings`): named phases and each cell, on performance.now()'s clock, which
 * counts from the process's start, so the time before the first phase is Node's and nbprov's own start-up.
 */
export interface CellTiming {
  index: number;
  /** execute_request sent → reply and outputs in: what the cell cost the run. */
  roundTripMs: number;
  /** The kernel's own execute_input → execute_reply, by its clock (undefined when it did not reply). */
  kernelMs?: number;
  /** The collector's capture decoded and the cell's rows committed. */
  recordMs: number;
}

export interface Phase {
  name: string;
  startMs: number;
  endMs: number;
}

/** `work`, timed as the phase `name` when the run keeps timings. */
export function timed<T>(timings: RunTimings | undefined, name: string, work: () => T): T {
  if (!timings) return work();
  const startMs = performance.now();
  const done = () => timings.phases.push({ name, startMs, endMs: performance.now() });
  const result = work();
  if (result instanceof Promise) return result.finally(done) as T;
  done();
  return result;
}

export class RunTimings {
  readonly phases: Phase[] = [];
  readonly cells: CellTiming[] = [];
}

/** The kernel's time for a cell from its nbclient-style timestamps (ISO, microseconds, the kernel's clock). */
export function kernelMs(timing: Record<string, string>): number | undefined {
  const start = timing['iopub.execute_input'];
  const end = timing['shell.execute_reply'];
  if (!start || !end) return undefined;
  const ms = micros(end) - micros(start);
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}

/** Microseconds since the epoch of an ISO timestamp: Date parses milliseconds only. */
function micros(iso: string): number {
  const fraction = /\.(\d+)/.exec(iso)?.[1] ?? '0';
  return Date.parse(iso.replace(/\.\d+/, '')) * 1000 + Number(fraction.padEnd(6, '0').slice(0, 6));
}
