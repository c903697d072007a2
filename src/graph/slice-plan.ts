import type { VersionSite } from '../store/queries.js';

/**
 * One top-level statement: its 1-based first and last lines, and what it may do that no recorded version shows.
 * `effect`: `random` calls into a module's random-number state (`np.random.seed(42)`, `np.random.randn(3)`),
 * `call` is a bare call whose result is dropped (run for its effect: `np.fill_diagonal(X, 0)`), `display` a bare call
 * that only shows something (`print(x)`, `df.head()`, `plt.plot(...)`).
 */
export interface Statement {
  first: number;
  last: number;
  effect: 'random' | 'call' | 'display' | null;
  /** Names it reads. */
  loads: string[];
  /** Names whose methods it calls (`rng.normal()` → rng), modules left out. */
  receivers: string[];
}

/** A cell the trial ran, in order, with its top-level statements (null: Python could not parse it). */
export interface RanCell {
  index: number;
  activationId: number;
  statements: Statement[] | null;
}

/** Why a statement that made no needed version is kept anyway. */
export type HiddenEffect = 'random' | 'call' | 'receiver';

export interface KeptStatement {
  index: number;
  first: number;
  effect: HiddenEffect;
}

export interface SlicePlan {
  /** The value, plus the versions the statements kept for their hidden effects read. */
  roots: number[];
  /** Activation → the lines of needed versions and the first lines of the statements kept for hidden effects. */
  lines: Map<number, Set<number>>;
  /** Statements kept although they made no needed version, in trial order. */
  hidden: KeptStatement[];
  /** Activations of the cells holding them. */
  hiddenActivations: Set<number>;
  /** Cells that ran before the value and could not be parsed: what they did is unknown. */
  unchecked: number[];
}

/** What planSlice asks of the trial's lineage (graph/trial-lineage.ts's SliceLineage). */
export interface AncestryReader {
  /** The versions `roots` were built from (themselves included), and their lines per activation. */
  ancestry(roots: number[]): { needed: Set<number>; lines: Map<number, Set<number>> };
}

interface Candidate {
  cell: RanCell;
  /** The cell's position in the trial. */
  at: number;
  s: Statement;
}

/** Where the trial's versions were made, to find the version of a name current at a statement. */
interface Sites {
  /** Activation → the lines where versions were recorded. */
  recorded: Map<number, number[]>;
  /** The version of `name` current when line `line` of the cell at position `at` started. */
  versionAt(name: string, at: number, line: number): number | undefined;
}

/**
 * The statements that recompute version `root`: those that made a version it was built from, plus those that ran
 * before it and may have changed it in ways the collector records no version for, with their own ancestry:
 * - calls into a module's random state (`np.random.seed(42)`, `y += np.random.normal(...)`): the state is hidden;
 * - bare calls whose result is dropped and that recorded nothing (`np.fill_diagonal(X, 0)`): run for an effect;
 * - calls on an object the value was built from (`rng.normal()` before the draw that counts): may advance it.
 * Displays (`print(x)`, `df.head()`, `plt.plot(...)`) are left out.
 */
export function planSlice(lineage: AncestryReader, root: number, cells: RanCell[], versions: VersionSite[]): SlicePlan {
  const order = new Map(cells.map((c, i) => [c.activationId, i]));
  const sites = siteIndex(versions, order);
  const { before, unchecked } = statementsBefore(cells, order, versions.find((v) => v.evaluationId === root));
  const kept = new Map<Candidate, HiddenEffect>();
  for (const c of before) {
    if (c.s.effect === 'random') kept.set(c, 'random');
    else if (c.s.effect === 'call' && !within(sites.recorded.get(c.cell.activationId), c.s)) kept.set(c, 'call');
  }
  // Keeping a statement for a receiver brings in what it reads, which may make another receiver needed.
  for (;;) {
    const roots = [root, ...[...kept.keys()].flatMap((c) => c.s.loads.flatMap((n) => sites.versionAt(n, c.at, c.s.first) ?? []))];
    const { needed, lines } = lineage.ancestry(roots);
    if (keepReceivers(before, kept, sites, needed, lines)) continue;
    const hidden = before.filter((c) => kept.has(c) && !within(lines.get(c.cell.activationId), c.s));
    for (const c of hidden) {
      const set = lines.get(c.cell.activationId) ?? new Set<number>();
      set.add(c.s.first);
      lines.set(c.cell.activationId, set);
    }
    return {
      roots,
      lines,
      hidden: hidden.map((c) => ({ index: c.cell.index, first: c.s.first, effect: kept.get(c)! })),
      hiddenActivations: new Set(hidden.map((c) => c.cell.activationId)),
      unchecked,
    };
  }
}

function siteIndex(versions: VersionSite[], order: Map<number, number>): Sites {
  const byName = new Map<string, VersionSite[]>();
  const recorded = new Map<number, number[]>();
  for (const v of versions) {
    push(byName, v.name, v);
    if (v.activationId !== null && v.line !== null) push(recorded, v.activationId, v.line);
  }
  const versionAt = (name: string, at: number, line: number): number | undefined => {
    const list = byName.get(name) ?? [];
    for (let i = list.length - 1; i >= 0; i--) {
      const v = list[i];
      const vo = v.activationId === null ? undefined : order.get(v.activationId);
      if (vo !== undefined && (vo < at || (vo === at && v.line !== null && v.line < line))) return v.evaluationId;
    }
    return undefined;
  };
  return { recorded, versionAt };
}

/** The statements that ran before the root's, and the cells before it that Python could not parse. */
function statementsBefore(cells: RanCell[], order: Map<number, number>, site: VersionSite | undefined): { before: Candidate[]; unchecked: number[] } {
  const rootOrder = site?.activationId == null ? undefined : order.get(site.activationId);
  const rootLine = site?.line ?? null;
  const before: Candidate[] = [];
  const unchecked: number[] = [];
  cells.forEach((cell, at) => {
    if (rootOrder === undefined || at > rootOrder) return;
    if (!cell.statements) {
      if (at < rootOrder) unchecked.push(cell.index);
      return;
    }
    for (const s of cell.statements) if (at < rootOrder || (rootLine !== null && s.last < rootLine)) before.push({ cell, at, s });
  });
  return { before, unchecked };
}

/** Keeps the statements calling a method on a needed version; says whether it kept any new one. */
function keepReceivers(before: Candidate[], kept: Map<Candidate, HiddenEffect>, sites: Sites, needed: Set<number>, lines: Map<number, Set<number>>): boolean {
  let grew = false;
  for (const c of before) {
    if (kept.has(c) || c.s.effect === 'display' || within(lines.get(c.cell.activationId), c.s)) continue;
    if (c.s.receivers.some((r) => needed.has(sites.versionAt(r, c.at, c.s.first) ?? -1))) {
      kept.set(c, 'receiver');
      grew = true;
    }
  }
  return grew;
}

function within(lines: Iterable<number> | undefined, s: Statement): boolean {
  return [...(lines ?? [])].some((l) => l >= s.first && l <= s.last);
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
