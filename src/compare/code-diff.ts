import { structuredPatch } from 'diff';
import { cellSource } from '../store/queries.js';
import { codeChange, type CellPair } from './cell-match.js';
import { cellRef, type CellRef } from './why.js';

export interface CodeChange {
  a: CellRef | null;
  b: CellRef | null;
  stage: string | null;
  change: 'edited' | 'added' | 'removed';
  /** A unified diff (---/+++ headers, @@ hunks) of the two sources; an added or removed cell against nothing. */
  patch: string;
}

const CONTEXT_LINES = 3;

/** Unified diffs of every paired cell whose source changed, in trial B's cell order. */
export function codeChanges(pairs: CellPair[], dbDir: string, labels: { a: string; b: string }): CodeChange[] {
  const out: CodeChange[] = [];
  for (const p of pairs) {
    const change = codeChange(p);
    if (!change) continue;
    const before = p.a ? sourceOf(dbDir, p.a.codeHash) : '';
    const after = p.b ? sourceOf(dbDir, p.b.codeHash) : '';
    const oldName = p.a ? `${labels.a} cell ${p.a.index}` : '/dev/null';
    const newName = p.b ? `${labels.b} cell ${p.b.index}` : '/dev/null';
    out.push({ a: cellRef(p.a), b: cellRef(p.b), stage: p.b?.stage ?? p.a?.stage ?? null, change, patch: unifiedDiff(oldName, newName, before, after) });
  }
  return out;
}

export function unifiedDiff(oldName: string, newName: string, before: string, after: string): string {
  const patch = structuredPatch(oldName, newName, before, after, undefined, undefined, { context: CONTEXT_LINES });
  const lines = [`--- ${oldName}`, `+++ ${newName}`];
  for (const h of patch.hunks) lines.push(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines);
  return lines.join('\n') + '\n';
}

/** A cell's source with a final newline, so a last-line edit is not reported as "no newline at end of file". */
function sourceOf(dbDir: string, codeHash: string): string {
  const source = cellSource(dbDir, codeHash) ?? `# (source ${codeHash.slice(0, 10)} is not in the content store)\n`;
  return source.endsWith('\n') || source === '' ? source : source + '\n';
}
