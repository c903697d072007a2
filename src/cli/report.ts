import { dirname } from 'node:path';
import type { Command } from 'commander';
import { NbprovError } from '../errors.js';
import { checkSelection, selectTrials } from '../compare/selection.js';
import { buildReport, NEWEST_PRECOMPUTED } from '../report/build.js';
import { renderReportHtml } from '../report/html.js';
import { openForReading } from './db-options.js';
import { requireWritableTarget, writeOutputFile } from './output-file.js';
import type { CommandContext } from './command-context.js';

export interface ReportFlags {
  db?: string;
  output?: string;
  all?: boolean;
  sweep?: string;
}

export const DEFAULT_OUTPUT = 'report.html';

export function registerReport(program: Command, context: CommandContext): void {
  program
    .command('report')
    .description('one self-contained HTML page of the trials: sortable table, metric charts, lineage graphs, stage timings, diffs')
    .argument('[notebook-or-trials...]', "a notebook (NAME.ipynb), or trial selectors (number, name, id prefix, last, last~N); default: every trial of the newest trial's notebook")
    .option('-o, --output <file>', `where to write the page (default: ${DEFAULT_OUTPUT} in the current directory, replaced whole)`)
    .option('--all', 'every trial in the database')
    .option('--sweep <sweep>', 'the trials of this sweep (its number, or `last`)')
    .option('--db <path>', 'database file (default: .noworkflow/db.sqlite here, or $NBPROV_DB)')
    .addHelpText(
      'after',
      `
The page holds all its code, style and data: it opens offline from a file, makes no request, and can be mailed
or attached to a pull request. The table, charts and stage timings cover every trial; lineage graphs and details
the newest ${NEWEST_PRECOMPUTED} trials and each metric's best; diffs each adjacent pair among those, and each
metric's best trial against the latest (the page names the \`nbprov diff\` to run for any other pair).

Examples:
  $ nbprov report
  $ nbprov report wine.ipynb -o wine-report.html
  $ nbprov report --sweep last
  $ nbprov report 3 7 9
  $ nbprov report --all --db runs/.noworkflow/db.sqlite`,
    )
    .action((args: string[], flags: ReportFlags) => {
      context.reply({ stdout: handler(args, flags) });
    });
}

/** Writes the report; returns the line saying where, how big, and of how many trials. */
export function handler(args: string[], flags: ReportFlags): string {
  const notebook = args.length === 1 && args[0].endsWith('.ipynb') ? args[0] : undefined;
  const trials = notebook ? [] : args;
  if (trials.some((t) => t.endsWith('.ipynb'))) throw new NbprovError('NBPROV_USAGE', 'name one notebook, or trials, not both', { hint: 'e.g. `nbprov report wine.ipynb` or `nbprov report 3 7 9`' });
  checkSelection(trials, { notebook, all: flags.all, sweep: flags.sweep });
  const output = flags.output ?? DEFAULT_OUTPUT;
  requireWritableTarget(output, `${output.replace(/\/+$/, '')}/${DEFAULT_OUTPUT}`);
  const { db, path } = openForReading({ db: flags.db, notebook });
  let html: string;
  let count: number;
  try {
    const chosen = selectTrials(db, path, trials, { notebook, all: flags.all, sweep: flags.sweep });
    if (!chosen) throw new NbprovError('NBPROV_NOT_FOUND', 'no trials to report', { hint: 'record one with `nbprov run NOTEBOOK.ipynb`' });
    // One row per trial, however many selectors name it (`report 3 last`).
    const selection = chosen.kind === 'trials' ? { ...chosen, ids: [...new Set(chosen.ids)] } : chosen;
    const model = buildReport(db, dirname(path), selection);
    if (model.trials === 0) throw new NbprovError('NBPROV_NOT_FOUND', `no trials of ${notebook ?? 'this selection'} to report`, { hint: 'see `nbprov list` for the recorded trials' });
    html = renderReportHtml(model);
    count = model.trials;
  } finally {
    db.close();
  }
  writeOutputFile(output, html);
  return `wrote ${output} (${formatBytes(Buffer.byteLength(html))}, ${count} trial${count === 1 ? '' : 's'})\n`;
}

/** 845 KB, 1.2 MB: decimal units, as file managers show sizes. */
function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${Math.round(bytes / 1000)} KB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}
