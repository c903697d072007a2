import { dirname } from 'node:path';
import type { Command } from 'commander';
import { resolveTrial } from '../store/queries.js';
import { stageOrder } from '../stages.js';
import { pythonText } from '../python-text.js';
import { formatSeconds } from '../render/durations.js';
import { renderTable } from '../render/table.js';
import { trialDetail } from '../render/trial-json.js';
import { printable } from '../render/terminal.js';
import { openForReading } from './db-options.js';
import type { CommandContext } from './command-context.js';

interface ShowFlags {
  db?: string;
  json?: boolean;
  code?: boolean;
}

export function registerShow(program: Command, context: CommandContext): void {
  program
    .command('show')
    .description('show one trial: header, environment and one row per cell')
    .argument('[trial]', 'trial selector: number, name, id prefix, last, last~N', 'last')
    .option('--db <path>', 'database file (default: .noworkflow/db.sqlite here, or $NBPROV_DB)')
    .option('--code', 'print each cell source')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ nbprov show\n  $ nbprov show 3 --code\n  $ nbprov show baseline\n  $ nbprov show last~1 --json')
    .action((trial: string, flags: ShowFlags) => {
      context.reply({ stdout: handler(trial, flags) });
    });
}

export function handler(selector: string, flags: ShowFlags): string {
  const { db, path } = openForReading({ db: flags.db });
  try {
    const detail = trialDetail(db, dirname(path), resolveTrial(db, selector), { source: flags.code === true || flags.json === true });
    if (flags.json) return JSON.stringify(detail, null, 2) + '\n';
    const { trial, environment, modules, variables: tagged, cells } = detail;
    const lines = [
      `trial ${trial.sequence}  ${trial.id}  (${trial.tag ?? 'no tag'})`,
      ...(trial.name === null ? [] : [`name      ${trial.name}`]),
      `notebook  ${printable(trial.notebook)}`,
      `status    ${trial.status}${trial.error ? ` — ${printable(trial.error)}` : ''}${failedWhileFinished(trial.status, cells)}${skippedNote(cells)}`,
      `started   ${trial.start.slice(0, 19)}   duration ${formatSeconds(trial.seconds)}`,
      `command   ${printable(trial.command)}`,
      `python    ${environment.python_version ?? '?'}   kernel ${trial.kernel ?? '?'} (${environment.kernel_implementation ?? '?'})   capture ${trial.capture ?? '-'}`,
      '',
    ];
    if (cells.length === 0) {
      lines.push('(no nbprov cell rows: this trial was recorded by noWorkflow itself)');
      return lines.join('\n') + '\n';
    }
    lines.push(
      renderTable(
        ['cell', 'stage', 'code hash', 'time', 'status', 'output', 'first line'],
        cells.map((c) => [c.index, c.stage ?? '', c.codeHash.slice(0, 10), formatSeconds(c.seconds), c.status, truncate(printable(c.errorName ? `${c.errorName}: ${c.errorValue}` : c.outputs ?? ''), 40), truncate(printable(c.firstLine), 50)]),
      ),
    );
    if (tagged.length) {
      lines.push('', renderTable(['tagged', 'kind', 'value', 'cell', 'stage'], tagged.map((v) => [v.name, v.kind, truncate(printable(pythonText(v.value)), 40), v.cell ?? '-', v.stage ?? ''])));
    }
    const byStage = new Map<string, number[]>();
    for (const c of cells) if (c.stage) byStage.set(c.stage, [...(byStage.get(c.stage) ?? []), c.index]);
    if (byStage.size) {
      const ordered = [...byStage].sort(([a], [b]) => stageOrder(a) - stageOrder(b) || a.localeCompare(b));
      lines.push('', `stages    ${ordered.map(([stage, idx]) => `${stage}: ${idx.join(', ')}`).join(' · ')}`);
    }
    if (flags.code) {
      for (const c of cells) lines.push('', `── cell ${c.index} (${c.status}) ${'─'.repeat(40)}`, printable(c.source ?? '(source not in the content store)').trimEnd());
    }
    if (modules.length) lines.push('', `modules   ${modules.map((m) => (m.version ? `${m.name} ${m.version}` : m.name)).join(', ')}`);
    return lines.join('\n') + '\n';
  } finally {
    db.close();
  }
}

/** `, 7 cells skipped` (run --only / --stage, or tagged skip-execution): the rows say which. */
function skippedNote(cells: { status: string }[]): string {
  const skipped = cells.filter((c) => c.status === 'skipped').length;
  return skipped ? `, ${skipped} cell${skipped > 1 ? 's' : ''} skipped` : '';
}

function truncate(text: string, width: number): string {
  const line = text.split('\n')[0];
  return line.length > width ? line.slice(0, width - 1) + '…' : line;
}

/** A trial finishes with failed cells under --allow-errors (or cells tagged raises-exception): say so. */
function failedWhileFinished(status: string, cells: { status: string }[]): string {
  const failed = cells.filter((c) => c.status === 'error').length;
  return status === 'finished' && failed ? `, ${failed} cell${failed > 1 ? 's' : ''} raised` : '';
}
