import { runAnalyser } from './analyser.js';
import type { CodeCellRef } from './load.js';

/** How one top-level statement touches a name (see analyser/flow.py): may read it, surely rebinds it, may rebind it. */
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
  /** Cell → the names asked about that any of its top-level statements may bind (`x = x * 2` and `x += 1` too). */
  binds: Map<number, Set<string>>;
}

export interface Assignment {
  name: string;
  value: string | null;
  cell: number;
  line: number;
}

interface FlowAnswer {
  cells: { index: number; events: [string, FlowKind, number, string, number][]; assigns: [string, string | null, number][]; binds: string[] }[];
}

const answers = new Map<string, FlowAnswer>();

/**
 * Parses the cells with Python's own `ast` and reports where each name is read and rebound. Throws an Error saying
 * why when the interpreter cannot run or answer.
 */
export function analyseCells(python: string, cells: CodeCellRef[], names: string[], defaultsCell: number | undefined): CellFlow {
  const request = { names, defaults: defaultsCell ?? null, cells: cells.map((c) => ({ index: c.index, source: c.source })) };
  // A sweep checks the same cells for the same names once per run: ask Python once.
  const key = `${python}\0${JSON.stringify(request)}`;
  let out = answers.get(key);
  if (!out) {
    out = runAnalyser(python, 'flow', request) as FlowAnswer;
    answers.clear();
    answers.set(key, out);
  }
  return {
    events: out.cells.flatMap((c) => c.events.map(([name, kind, line, text, top]) => ({ name, kind, cell: c.index, line, text, top }))),
    assignments: out.cells.flatMap((c) => c.assigns.map(([name, value, line]) => ({ name, value, cell: c.index, line }))),
    binds: new Map(out.cells.map((c) => [c.index, new Set(c.binds)])),
  };
}
