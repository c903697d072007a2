import Table from 'cli-table3';
import { stdoutColors } from './terminal.js';

/** A borderless terminal table (cli-table3) with a header row. */
export function renderTable(head: string[], rows: (string | number)[][]): string {
  const table = new Table({
    head,
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
      left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ',
    },
    style: { head: stdoutColors() ? ['bold'] : [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  table.push(...rows.map((r) => r.map(String)));
  return table.toString().split('\n').map((l) => l.trimEnd()).join('\n');
}
