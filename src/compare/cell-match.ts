import type { SnapshotCell } from './trial-snapshot.js';

/** A cell of trial A and its counterpart in trial B; one side is missing for an added or removed cell. */
export interface CellPair {
  a?: SnapshotCell;
  b?: SnapshotCell;
}

/**
 * Pairs the notebook cells of two trials: by cell id first (nbformat ≥ 4.5 ids survive edits and moves), then by
 * identical source (a moved cell of an id-less notebook), then by position among the cells still unpaired (an
 * edited cell of an id-less notebook). Injected-parameters cells are left out: the Parameters section covers them.
 * Pairs come in trial B's order, a removed cell right after the pair before it in trial A.
 */
export function matchCells(cellsA: SnapshotCell[], cellsB: SnapshotCell[]): CellPair[] {
  const a = cellsA.filter((c) => !c.injected);
  const b = cellsB.filter((c) => !c.injected);
  const partnerOfA = new Array<number>(a.length).fill(-1);
  const takenB = new Array<boolean>(b.length).fill(false);
  const pair = (i: number, j: number) => {
    partnerOfA[i] = j;
    takenB[j] = true;
  };

  const bById = new Map<string, number>();
  b.forEach((c, j) => c.cellId !== null && !bById.has(c.cellId) && bById.set(c.cellId, j));
  a.forEach((c, i) => {
    const j = c.cellId === null ? undefined : bById.get(c.cellId);
    if (j !== undefined && !takenB[j]) pair(i, j);
  });

  const bByHash = new Map<string, number[]>();
  b.forEach((c, j) => !takenB[j] && bByHash.set(c.codeHash, [...(bByHash.get(c.codeHash) ?? []), j]));
  a.forEach((c, i) => {
    if (partnerOfA[i] >= 0) return;
    const j = bByHash.get(c.codeHash)?.find((k) => !takenB[k]);
    if (j !== undefined) pair(i, j);
  });

  a.forEach((_, i) => {
    if (partnerOfA[i] < 0 && i < b.length && !takenB[i]) pair(i, i);
  });

  const pairs: { pair: CellPair; order: number }[] = [];
  b.forEach((c, j) => {
    const i = partnerOfA.indexOf(j);
    pairs.push({ pair: i >= 0 ? { a: a[i], b: c } : { b: c }, order: j });
  });
  a.forEach((c, i) => {
    if (partnerOfA[i] >= 0) return;
    const before = partnerOfA.slice(0, i).filter((j) => j >= 0);
    pairs.push({ pair: { a: c }, order: (before.length ? Math.max(...before) : -1) + 0.5 + i / (a.length + 1) / 2 });
  });
  return pairs.sort((x, y) => x.order - y.order).map((p) => p.pair);
}

/** Finds the pair holding a cell of trial A (side 'a') or B (side 'b'). */
export function pairIndex(pairs: CellPair[]): { a: Map<SnapshotCell, CellPair>; b: Map<SnapshotCell, CellPair> } {
  const a = new Map<SnapshotCell, CellPair>();
  const b = new Map<SnapshotCell, CellPair>();
  for (const p of pairs) {
    if (p.a) a.set(p.a, p);
    if (p.b) b.set(p.b, p);
  }
  return { a, b };
}

/** How a pair's code changed, or undefined when both sides ran the same source. */
export function codeChange(p: CellPair): 'edited' | 'added' | 'removed' | undefined {
  if (!p.a) return 'added';
  if (!p.b) return 'removed';
  return p.a.codeHash === p.b.codeHash ? undefined : 'edited';
}
