// `--log-output`: the lines cells show as they run, on the console, each prefixed with where it came from.
import type { Options as BarOptions, SingleBar } from 'cli-progress';
import type { CodeCellRef } from '../notebook/load.js';
import { printable } from '../render/terminal.js';
import type { OutputLine, RunEvents } from '../run/types.js';
import { combinationLabel } from '../sweep/grid.js';
import type { SweepEvents } from '../sweep/sweep.js';
import type { SweepRun } from '../sweep/plan.js';

/**
 * cli-progress options for a bar that lines are printed above: redrawn on request even when it did not change, and
 * cut to the terminal's width itself rather than turning the terminal's line wrapping off (which would cut the lines).
 */
export const BAR_BELOW_LINES: Partial<BarOptions> = { forceRedraw: true, linewrap: true };

/** A progress bar on a terminal, and the stream it draws on. */
export interface BarOnStream {
  bar: SingleBar;
  stream: NodeJS.WriteStream;
}

/**
 * Writes cell output lines to stdout and stderr as they come, a whole line per write. A progress bar on the same
 * terminal is cleared from its line first and drawn again below the line (cli-progress has no API to print above a
 * bar). Under --json every line goes to stderr: stdout holds the one JSON document.
 */
export class LiveOutput {
  readonly #stdout: NodeJS.WriteStream;
  readonly #stderr: NodeJS.WriteStream;
  #bar?: BarOnStream;

  constructor(opts: { json?: boolean; stdout?: NodeJS.WriteStream; stderr?: NodeJS.WriteStream } = {}) {
    this.#stderr = opts.stderr ?? process.stderr;
    this.#stdout = opts.json ? this.#stderr : (opts.stdout ?? process.stdout);
  }

  /** The bar to keep below the lines. */
  below(bar: BarOnStream | undefined): this {
    this.#bar = bar;
    return this;
  }

  /** The events of `run`: each line prefixed with its cell's number, `[3] `. */
  readonly runEvents: Pick<RunEvents, 'onOutput'> = {
    onOutput: (cell, line) => this.write(cellPrefix(cell), line),
  };

  /** The events of `sweep`: each line prefixed with its trial's values and its cell's number, `[n_trees=3 · 3] `. */
  readonly sweepEvents: Pick<SweepEvents, 'onOutput'> = {
    onOutput: (run, cell, line) => this.write(trialPrefix(run, cell), line),
  };

  write(prefix: string, line: OutputLine): void {
    const target = line.stream === 'stderr' ? this.#stderr : this.#stdout;
    const text = `${prefix}${printable(line.text)}\n`;
    const bar = this.#bar;
    if (!bar?.bar.isActive || !target.isTTY) {
      target.write(text);
      return;
    }
    bar.stream.write('\r\x1b[2K');
    target.write(text);
    // cli-progress restores the cursor it saved at start when it stops: save it on the bar's new line instead.
    bar.stream.write('\x1b7');
    bar.bar.render();
  }
}

function cellPrefix(cell: CodeCellRef): string {
  return `[${cell.index}] `;
}

/** The run's values (and its repeat after the first: `--repeat` without --seed-param runs equal values) and the cell. */
export function trialPrefix(run: SweepRun, cell: CodeCellRef): string {
  const repeat = run.repeat > 0 ? ` repeat ${run.repeat}` : '';
  return `[${combinationLabel(run.combination)}${repeat} · ${cell.index}] `;
}
