import { basename, relative, resolve } from 'node:path';
import { projectRoot } from '../store/db.js';
import type { Command } from 'commander';
import { listTrials, splitTags, tagRecordsOfTrials, type TrialSummary } from '../store/queries.js';
import chalk from 'chalk';
import { pythonText } from '../python-text.js';
import { renderColumns } from '../render/columns.js';
import { formatSeconds } from '../render/durations.js';
import { printable, stdoutColors } from '../render/terminal.js';
import { openForReading } from './db-options.js';
import { NbprovError } from '../errors.js';
import { findSweep, sweepTrialIds } from '../store/sweeps.js';
import type { CommandContext } from './command-context.js';

export function registerList(program: Command, context: CommandContext): void {
  program
    .command('list')
    .description('list recorded trials, newest last')
    .argument('[notebook]', 'only the trials of this notebook')
    .option('--db <path>', 'database file (default: .noworkflow/db.sqlite here or beside NOTEBOOK, or $NBPROV_DB)')
    .option('--sweep <sweep>', "only the trials of this sweep (its number, or `last`): the newest trial of each of its runs")
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ nbprov list\n  $ nbprov list experiment.ipynb --json\n  $ nbprov list --sweep last')
    .action((notebook: string | undefined, flags: ListFlags) => {
      context.reply({ stdout: handler(notebook, flags) });
    });
}

interface ListFlags {
  db?: string;
  json?: boolean;
  sweep?: string;
}

export function handler(notebook: string | undefined, flags: ListFlags): string {
  if (notebook && flags.sweep) throw new NbprovError('NBPROV_USAGE', 'NOTEBOOK and --sweep exclude each other', { hint: 'a sweep runs one notebook' });
  const { db, path } = openForReading({ db: flags.db, notebook });
  try {
    // Trials name their notebook relative to the database's project directory.
    const key = notebook ? relative(projectRoot(path), resolve(notebook)) : undefined;
    const ids = flags.sweep ? sweepTrialIds(db, findSweep(db, flags.sweep).id) : undefined;
    const tags = new Map(tagRecordsOfTrials(db).map((record) => [record[0] as string, record]));
    const trials = listTrials(db, { notebook: key, ids }).map((t) => {
      const { params, metrics } = splitTags(tags.get(t.id));
      return { ...t, params, metrics };
    });
    if (flags.json) return JSON.stringify(trials, null, 2) + '\n';
    if (trials.length === 0) return notebook ? `no trials of ${notebook} yet\n` : 'no trials yet: record one with `nbprov run NOTEBOOK.ipynb`\n';
    const tagged = trials.some((t) => Object.keys(t.params).length || Object.keys(t.metrics).length);
    const named = trials.some((t) => t.name !== null);
    const head = ['#', 'id', ...(named ? ['name'] : []), 'notebook', 'start', 'duration', 'status', 'cells ok/failed', ...(tagged ? ['params', 'metrics'] : [])];
    // renderColumns, not cli-table3: a list grows with every run, and cli-table3 took 33 s for 10,000 trials.
    const bold = stdoutColors() ? (s: string) => chalk.bold(s) : undefined;
    return renderColumns(head, trials.map((t) => [...row(t, named), ...(tagged ? [inline(t.params), inline(t.metrics)] : [])]), { bold }) + '\n';
  } finally {
    db.close();
  }
}

/** `name=value` pairs with values as Python writes them, short enough for a table cell. */
export function inline(values: Record<string, unknown>): string {
  const text = Object.entries(values).map(([k, v]) => `${k}=${pythonText(v)}`).join(' ');
  return text.length > 48 ? text.slice(0, 47) + '…' : text || '-';
}

function row(t: TrialSummary, named: boolean): string[] {
  return [String(t.sequence), t.id.slice(0, 8), ...(named ? [t.name === null ? '-' : printable(t.name)] : []), basename(t.notebook), t.start.slice(0, 19), formatSeconds(t.seconds), t.status, t.nbprov ? `${t.cellsOk}/${t.cellsFailed}` : '-'];
}
