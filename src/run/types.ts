import type { NbprovError } from '../errors.js';
import type { CodeCellRef, LoadedNotebook } from '../notebook/load.js';
import type { RawParameter } from '../notebook/parameters.js';
import type { CaptureMode } from '../limits.js';
import type { TrialStatus } from '../store/trial-writer.js';
import type { RunTimings } from './timings.js';

/** What one `nbprov run` is asked to do: the run pipeline's input, from the command line. */
export interface RunOptions {
  notebook: string;
  /** `-p` / `-r` / `-f` values, injected papermill-style. */
  parameters?: RawParameter[];
  strictParameters?: boolean;
  /** `--inject-after CELL`: where the injected cell goes when it is not after the `parameters` cell. */
  injectAfter?: string;
  db?: string;
  kernel?: string;
  server?: string;
  token?: string;
  headers?: Record<string, string>;
  jupyter?: string;
  python?: string;
  /** Port of the private server (default: a free one). */
  port?: number;
  cwd?: string;
  output?: string;
  /** `--name`: the trial's name, unique among the notebook's trials. */
  name?: string;
  /** A sweep's run: an earlier trial of it (one that --resume re-runs) hands the name over. */
  nameFrom?: { sweepId: number; position: number };
  timeoutSec?: number;
  startupTimeoutSec: number;
  /** `--kernel-env NAME=VALUE`: `KERNEL_*` variables for the kernel start request (Enterprise Gateway). */
  kernelEnv?: Record<string, string>;
  allowErrors: boolean;
  capture: CaptureMode;
  loopBudget: number;
  redact: boolean;
  /**
   * `--only` / `--stage`: the code cells to run (1-based indexes), picked from the notebook as it will run (with
   * its injected cell), before anything starts; it throws to refuse. The others are recorded as `skipped`.
   */
  selectCells?: (nb: LoadedNotebook) => Set<number>;
  /** The command line as recorded in `trial.command` (never holds a token). */
  command: string;
  events?: RunEvents;
  /** Filled with where the run's time went (`--timings`). */
  timings?: RunTimings;
  /** Aborted on Ctrl-C, SIGTERM or SIGHUP (the abort's reason): the running cell is interrupted and the trial closes as `interrupted`. */
  signal?: AbortSignal;
}

/** Progress of a run, as it happens (a progress bar, warnings). */
export interface RunEvents {
  onStart?(info: { trial: number; trialId: string; cells: number; kernel: string; server: string }): void;
  onCellStart?(cell: CodeCellRef, position: number, total: number): void;
  onCellEnd?(cell: CodeCellRef, status: string, seconds: number): void;
  /** A line the running cell showed (`--log-output`); unset, the outputs are not looked at as they come. */
  onOutput?(cell: CodeCellRef, line: OutputLine): void;
  onWarning?(message: string): void;
}

/** A line of a cell's output as it ran: a stream's, or a display's or an error's one-line account; secrets masked. */
export interface OutputLine {
  stream: 'stdout' | 'stderr';
  text: string;
}

/** The status a trial closes with. */
export type FinalStatus = Exclude<TrialStatus, 'running'>;

export interface RunResult {
  trialId: string;
  sequence: number;
  /** `--name`, or a sweep's name for its run. */
  name?: string;
  status: FinalStatus;
  cellsOk: number;
  cellsFailed: number;
  /** Failures of cells tagged `raises-exception`: expected, so they do not fail the run (as in nbclient). */
  cellsFailedExpected: number;
  cellsSkipped: number;
  cellsTotal: number;
  seconds: number;
  dbPath: string;
  /** Set when the trial did not finish: what stopped it. */
  error?: NbprovError;
  recorderErrors: number;
}
