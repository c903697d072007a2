/**
 * Borderless columns two spaces apart under an optional header row: the layout of renderTable (src/render/table.ts), in
 * linear time. cli-table3 spends about a millisecond per row, ten seconds for a 10,000-trial comparison.
 * `decorate` may color a cell: it gets the padded text, so colors never shift the alignment.
 */
export function renderColumns(
  head: string[] | null,
  rows: string[][],
  opts: { bold?: (text: string) => string; decorate?: (padded: string, row: number, column: number) => string } = {},
): string {
  const widths = (head ?? []).map((h) => width(h));
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, width(cell))));
  const line = (cells: string[], style: (padded: string, column: number) => string) =>
    cells
      .map((cell, i) => style(i === cells.length - 1 ? cell : cell + ' '.repeat(widths[i] - width(cell)), i))
      .join('  ')
      .trimEnd();
  const out = head ? [line(head, (padded) => (opts.bold ? opts.bold(padded) : padded))] : [];
  rows.forEach((row, r) => out.push(line(row, (padded, c) => (opts.decorate ? opts.decorate(padded, r, c) : padded))));
  return out.join('\n');
}

/** Display width in code points: enough for the ASCII-and-accents text of trials, names and numbers. */
function width(text: string): number {
  return ASCII.test(text) ? text.length : [...text].length;
}

const ASCII = /^[\x00-\x7f]*$/;
