import type { Command } from 'commander';
import { loadNotebook } from '../notebook/load.js';
import { cellStages } from '../notebook/tags.js';
import { renderTable } from '../render/table.js';
import { printable } from '../render/terminal.js';
import { resolveNotebookArg } from './notebook-arg.js';
import type { CommandContext } from './command-context.js';

export function registerCells(program: Command, context: CommandContext): void {
  program
    .command('cells')
    .description("list a notebook's code cells: index (as tag commands take it), cell id, stage, first line")
    .argument('[notebook]', 'the notebook (default: the only .ipynb here)')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ nbprov cells experiment.ipynb\n  $ nbprov tag cell 3 model-scoring')
    .action((notebook: string | undefined, flags: { json?: boolean }) => {
      context.reply({ stdout: handler(resolveNotebookArg(notebook), flags) });
    });
}

export function handler(notebook: string, flags: { json?: boolean }): string {
  const nb = loadNotebook(notebook);
  const stages = cellStages(nb);
  const rows = nb.codeCells.map((c) => ({ index: c.index, id: c.id ?? null, stage: stages.get(c.index) ?? null, tags: c.tags, firstLine: c.source.split('\n')[0] }));
  if (flags.json) return JSON.stringify(rows, null, 2) + '\n';
  return renderTable(['cell', 'id', 'stage', 'first line'], rows.map((r) => [r.index, printable(r.id ?? '-'), r.stage ?? '-', printable(r.firstLine).slice(0, 60)])) + '\n';
}
