import cliProgress, { type SingleBar } from 'cli-progress';
import type { RunOutcome, SweepEvents } from '../sweep/sweep.js';
import { combinationLabel } from '../sweep/grid.js';
import { BAR_BELOW_LINES } from './live-output.js';

/**
 * A sweep's progress on stderr: on a terminal a cli-progress bar (trials done/total, running, failed, elapsed,
 * ETA); elsewhere (a CI log) one line per trial as it ends.
 */
export class SweepProgress {
  readonly #stream: NodeJS.WriteStream;
  /** The bar, on a terminal: `--log-output` prints cell output above it. */
  readonly bar?: SingleBar;
  #running = 0;
  #failed = 0;
  #started = false;

  constructor(stream: NodeJS.WriteStream, belowLines?: boolean) {
    this.#stream = stream;
    if (stream.isTTY) {
      this.bar = new cliProgress.SingleBar(
        { format: ' {bar} {value}/{total} trials | {running} running | {failed} failed | {duration_formatted} | ETA {eta_formatted}', stream, hideCursor: true, clearOnComplete: true, etaBuffer: 20, ...(belowLines ? BAR_BELOW_LINES : {}) },
        cliProgress.Presets.shades_classic,
      );
    }
  }

  readonly events: SweepEvents = {
    onPlan: ({ sweep, total, pending, jobs, server }) => {
      const resumed = pending < total ? `, ${pending} left of ${total}` : '';
      this.#stream.write(`sweep ${sweep}: ${pending} trials${resumed}, ${jobs} at a time on the ${server}\n`);
      this.bar?.start(pending, 0, this.#payload());
      this.#started = true;
    },
    onRunStart: () => {
      this.#running++;
      this.bar?.update(this.#payload());
    },
    onRunEnd: (outcome) => {
      this.#running--;
      const ok = outcome.result?.status === 'finished';
      if (!ok) this.#failed++;
      if (this.bar) this.bar.increment(this.#payload());
      else this.#stream.write(`${line(outcome)}\n`);
    },
  };

  stop(): void {
    if (this.#started) this.bar?.stop();
    this.#started = false;
  }

  #payload(): { running: number; failed: number } {
    return { running: this.#running, failed: this.#failed };
  }
}

function line({ run, result, error }: RunOutcome): string {
  if (!result) return `  ${combinationLabel(run.combination)}: not started: ${error?.message}`;
  return `  trial ${result.sequence} ${combinationLabel(run.combination)}: ${result.status}, ${result.seconds.toFixed(2)} s`;
}
