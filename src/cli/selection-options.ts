import type { Command } from 'commander';
import type { CellSelection } from '../run/cell-selection.js';
import { collect } from './options.js';

/** Adds `--only`, `--stage` and `--force` to `command` (`run`, `sweep`). */
export function addSelectionOptions(command: Command): Command {
  return command
    .option('--only <variable>', "run only the cells the variable's last recorded lineage needs, plus the parameters cell (repeatable); the others are recorded as skipped", collect, [])
    .option('--stage <stages>', 'run only the cells tagged with these stages (comma-separated), plus the parameters cell; the others are recorded as skipped')
    .option('--force', 'run the --only / --stage selection even when a skipped cell sets a name a selected cell reads, or the cells changed since the lineage was recorded');
}

/** The selection the flags ask for, or undefined for whole runs. */
export function selectionOf(flags: CellSelection): CellSelection | undefined {
  if (!flags.only.length && flags.stage === undefined && !flags.force) return undefined;
  return { only: flags.only, ...(flags.stage !== undefined ? { stage: flags.stage } : {}), ...(flags.force ? { force: true } : {}) };
}
