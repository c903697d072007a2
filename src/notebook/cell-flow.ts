import { spawnSync } from 'node:child_process';
import { packageFile } from '../package-root.js';
import type { CodeCellRef } from './load.js';

/** How one top-level statement touches a name (see cell_flow.py): may read it, surely rebinds it, may rebind it. */
export type FlowKind = 'read' | 'write' | 'maybe';

export interface FlowEvent {
  name: string;
  kind: FlowKind;
  cell: number;
  /** The line of the innermost statement holding the first read, else of the top-level statement. */
  line: number;
  /** That statement on one line (a compound statement's header), for messages. */
  text: string;
  /** The line of the top-level statement: a loop's body reading the value its `for` bound shares the for's. */
  top: number;
}

export interface CellFlow {
  /** Every cell's events for the names asked about, in execution order. */
  events: FlowEvent[];
  /**
   * Top-level assignments, in execution order: of the names asked about, and of every name in the cell asked
   * about; with the source text of the value (null: not known).
   */
  assignments: Assignment[];
}

export interface Assignment {
  name: string;
  value: string | null;
  cell: number;
  line: number;
}

const SCRIPT = packageFile('src/notebook/cell_flow.py');
const TIMEOUT_MS = 10_000;

/**
 * Parses the cells with Python's own `ast` in a short-lived interpreter (`-I -S`: no site, ~15 ms) and reports
 * where each name is read and rebound. Throws an Error saying why when the interpreter cannot run or answer.
 */
export function analyseCells(python: string, cells: CodeCellRef[], names: string[], defaultsCell: number | undefined): CellFlow {
  const request = JSON.stringify({ names, defaults: defaultsCell ?? null, cells: cells.map((c) => ({ index: c.index, source: c.source })) });
  const r = spawnSync(python, ['-I', '-S', SCRIPT], { input: request, encoding: 'utf8', timeout: TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`${python}: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`);
  if (r.status !== 0) throw new Error(`${python} exited with ${r.status ?? r.signal}: ${r.stderr.trim().split('\n').pop()}`);
  const out = JSON.parse(r.stdout) as { cells: { index: number; events: [string, FlowKind, number, string, number][]; assigns: [string, string | null, number][] }[] };
  return {
    events: out.cells.flatMap((c) => c.events.map(([name, kind, line, text, top]) => ({ name, kind, cell: c.index, line, text, top }))),
    assignments: out.cells.flatMap((c) => c.assigns.map(([name, value, line]) => ({ name, value, cell: c.index, line }))),
  };
}
