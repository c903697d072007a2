import { basename, relative, resolve } from 'node:path';
import { projectRoot } from '../store/db.js';
import type { Command } from 'commander';
import { listTrials, taggedValues, type TrialSummary } from '../store/queries.js';
import { formatSeconds, renderTable } from '../render/table.js';
import { openForReading } from './db-options.js';

export function registerList(program: Command): void {
  program
    .command('list')
    .description('list recorded trials, newest last')
    .argument('[notebook]', 'only the trials of this notebook')
    .option('--db <path>', 'database file (default: .noworkflow/db.sqlite here or beside NOTEBOOK, or $NBPROV_DB)')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ nbprov list\n  $ nbprov list experiment.ipynb --json')
    .action((notebook: string | undefined, flags: { db?: string; json?: boolean }) => {
      process.stdout.write(handler(notebook, flags));
    });
}

export function handler(notebook: string | undefined, flags: { db?: string; json?: boolean }): string {
  const { db, path } = openForReading({ db: flags.db, notebook });
  try {
    // Trials name their notebook relative to the database's project directory.
    const key = notebook ? relative(projectRoot(path), resolve(notebook)) : undefined;
    const trials = listTrials(db, key).map((t) => ({ ...t, ...pick(taggedValues(db, t.id)) }));
    if (flags.json) return JSON.stringify(trials, null, 2) + '\n';
    if (trials.length === 0) return notebook ? `no trials of ${notebook} yet\n` : 'no trials yet: record one with `nbprov run NOTEBOOK.ipynb`\n';
    const tagged = trials.some((t) => Object.keys(t.params).length || Object.keys(t.metrics).length);
    const head = ['#', 'id', 'notebook', 'start', 'duration', 'status', 'cells ok/failed', ...(tagged ? ['params', 'metrics'] : [])];
    return renderTable(head, trials.map((t) => [...row(t), ...(tagged ? [inline(t.params), inline(t.metrics)] : [])])) + '\n';
  } finally {
    db.close();
  }
}

function pick(values: ReturnType<typeof taggedValues>) {
  return { params: values.params, metrics: values.metrics };
}

/** `name=value` pairs, short enough for a table cell. */
export function inline(values: Record<string, unknown>): string {
  const text = Object.entries(values).map(([k, v]) => `${k}=${typeof v === 'number' ? formatNumber(v) : String(v)}`).join(' ');
  return text.length > 48 ? text.slice(0, 47) + '…' : text || '-';
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6)));
}

function row(t: TrialSummary): (string | number)[] {
  return [t.sequence, t.id.slice(0, 8), basename(t.notebook), t.start.slice(0, 19), formatSeconds(t.seconds), t.status, t.nbprov ? `${t.cellsOk}/${t.cellsFailed}` : '-'];
}
