import { pairIndex, type CellPair } from './cell-match.js';
import type { FileAccess, SnapshotCell, TrialSnapshot } from './trial-snapshot.js';

/** One trial's access to a file as compared: its content hash, and the cell run that made the access. */
export interface FileTouch {
  hash: string | null;
  activationId: number | null;
}

export interface FileEntryChange {
  name: string;
  a: string | null;
  b: string | null;
}

// The kernel's own state, not the notebook's data: cgroup limits, /proc/self/status, devices.
const SYSTEM_DIRS = ['/proc/', '/sys/', '/dev/'];
// The Python installation wherever it lives: the standard library, site-/dist-packages (sklearn's bundled
// datasets included: they change with the module's version, which Why and Environment report), Debian's shared
// Python files.
const PYTHON_PATH = /\/(?:site|dist)-packages\/|\/lib(?:64)?\/python\d[\d.]*\/|^\/usr\/(?:local\/)?share\/(?:python|pyshared)/;
// Prefixes too broad to be taken as the installation itself (a system Python's sys.prefix).
const SHARED_PREFIXES = new Set(['/usr', '/usr/local']);

/**
 * Whether a path a trial read belongs to its environment rather than its data: /proc, /sys, /dev, the Python
 * installation (recognised by its layout, and by the trial's recorded `prefix` / `base_prefix` when they are a
 * directory of their own, such as a virtualenv, that does not hold the kernel's working directory). Compares path
 * text only; nothing is opened.
 */
export function isEnvironmentPath(path: string, environment: Map<string, string>): boolean {
  if (SYSTEM_DIRS.some((d) => path.startsWith(d)) || PYTHON_PATH.test(path)) return true;
  const cwd = environment.get('cwd');
  for (const key of ['prefix', 'base_prefix']) {
    const prefix = environment.get(key)?.replace(/\/+$/, '');
    if (!prefix || SHARED_PREFIXES.has(prefix)) continue;
    if (cwd !== undefined && (cwd === prefix || cwd.startsWith(`${prefix}/`))) continue;
    if (path.startsWith(`${prefix}/`)) return true;
  }
  return false;
}

export function isRead(mode: string): boolean {
  return mode.includes('r') || mode.includes('+');
}

export function isWrite(mode: string): boolean {
  return /[wax+]/.test(mode);
}

/** Name → the first read of each file (content before it), from some of a trial's accesses. */
export function firstReads(files: FileAccess[]): Map<string, FileTouch> {
  const out = new Map<string, FileTouch>();
  for (const f of files) if (isRead(f.mode) && !out.has(f.name)) out.set(f.name, { hash: f.before, activationId: f.activationId });
  return out;
}

/** Name → the last write of each file (content after it). */
export function lastWrites(files: FileAccess[]): Map<string, FileTouch> {
  const out = new Map<string, FileTouch>();
  for (const f of files) if (isWrite(f.mode)) out.set(f.name, { hash: f.after, activationId: f.activationId });
  return out;
}

/**
 * Which cells each trial got through, to compare only the files both trials reached: a file one trial touched in a
 * cell the other never finished (it failed earlier, or in that cell) is not a change.
 */
export class Reach {
  readonly #sides: Record<'a' | 'b', { snapshot: TrialSnapshot; byActivation: Map<number, SnapshotCell>; pairOf: Map<SnapshotCell, CellPair> }>;

  constructor(a: TrialSnapshot, b: TrialSnapshot, pairs: CellPair[]) {
    const index = pairIndex(pairs);
    const side = (s: TrialSnapshot, pairOf: Map<SnapshotCell, CellPair>) => ({
      snapshot: s,
      byActivation: new Map(s.cells.flatMap((c) => (c.activationId === null ? [] : [[c.activationId, c] as const]))),
      pairOf,
    });
    this.#sides = { a: side(a, index.a), b: side(b, index.b) };
  }

  /**
   * Whether trial `side` ran to its end the counterpart of the cell where the other trial made an access. A cell
   * the trial has no counterpart of (added, removed, unknown) counts as reached when the trial finished.
   */
  reached(side: 'a' | 'b', otherActivation: number | null): boolean {
    const other = this.#sides[side === 'a' ? 'b' : 'a'];
    const cell = otherActivation === null ? undefined : other.byActivation.get(otherActivation);
    const pair = cell ? other.pairOf.get(cell) : undefined;
    const counterpart = pair?.[side];
    return counterpart ? counterpart.status === 'ok' : this.#sides[side].snapshot.trial.status === 'finished';
  }
}

/**
 * Files whose content differs between two trials, in name order. A file only one side touched counts when the
 * other side reached the cell that touched it (it ran that code and did not touch the file), and is skipped
 * otherwise. `elsewhere` gives each side's accesses outside the ones compared (Why compares a metric's ancestor
 * cells, but a trial that lost the metric may still have read the file).
 */
export function changedFiles(
  a: Map<string, FileTouch>,
  b: Map<string, FileTouch>,
  reach: Reach,
  elsewhere?: { a: Map<string, FileTouch>; b: Map<string, FileTouch> },
): FileEntryChange[] {
  const names = [...new Set([...a.keys(), ...b.keys()])].sort();
  return names.flatMap((name) => {
    const x = a.get(name) ?? elsewhere?.a.get(name);
    const y = b.get(name) ?? elsewhere?.b.get(name);
    if (!x && !reach.reached('a', y!.activationId)) return [];
    if (!y && !reach.reached('b', x!.activationId)) return [];
    const ha = x?.hash ?? null;
    const hb = y?.hash ?? null;
    return ha === hb ? [] : [{ name, a: ha, b: hb }];
  });
}
