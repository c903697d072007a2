// The statistics of `nbprov explain`, on plain numbers: one-way analysis of variance, F tests against a given
// error mean square, a balanced two-way interaction, Spearman's rank correlation. The distributions are jstat's
// (a dependency-free, long-kept npm package); its incomplete beta stops refining at a relative step of 3e-7, so its
// p-values agree with scipy's to about 1e-9 (the sums of squares, F and ρ to rounding).
import jStat from 'jstat';

/** One-way analysis of variance of groups of numbers: what scipy.stats.f_oneway computes, and η². */
export interface OneWay {
  ssBetween: number;
  ssWithin: number;
  ssTotal: number;
  dfBetween: number;
  dfWithin: number;
  /** Share of the variance the groups explain, SSbetween / SStotal; 0 when nothing varies. */
  eta2: number;
  /** Null when it is undefined: no degrees of freedom within the groups, or no variance at all. */
  f: number | null;
  p: number | null;
}

export interface FTest {
  f: number;
  df1: number;
  df2: number;
  p: number;
}

export interface Spearman {
  rho: number;
  /**
   * Two-sided; null below 3 pairs. Exact up to EXACT_PAIRS pairs: twice the smaller tail of ρ over every pairing of
   * the ranks (R's cor.test, scipy.stats.permutation_test). Above, from Student's t with n - 2 degrees of freedom,
   * as scipy.stats.spearmanr, but never below 2/n!, the least any pairing can give. The t approximation alone said
   * p = 0 for 3 trials in perfect order, where the truth is 1/3.
   */
  p: number | null;
  n: number;
  /** The least p any pairing of n ranks can give, 2/n!: at or above 0.05 for 4 pairs or fewer. */
  leastP: number;
}

/** Up to this many pairs, ρ's p-value counts every pairing (10! = 3.6 million of them: ~35 ms; 9: ~10 ms). */
const EXACT_PAIRS = 10;

export function mean(xs: number[]): number {
  let sum = 0;
  for (const x of xs) sum += x;
  return sum / xs.length;
}

/** Sum of squared deviations from the mean. */
export function sumOfSquares(xs: number[]): number {
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return ss;
}

export function oneWayAnova(groups: number[][]): OneWay {
  const all = groups.flat();
  const grand = mean(all);
  let ssBetween = 0;
  let ssWithin = 0;
  for (const g of groups) {
    const m = mean(g);
    ssBetween += g.length * (m - grand) * (m - grand);
    for (const y of g) ssWithin += (y - m) * (y - m);
  }
  const ssTotal = ssBetween + ssWithin;
  const dfBetween = groups.length - 1;
  const dfWithin = all.length - groups.length;
  const eta2 = ssTotal > 0 ? ssBetween / ssTotal : 0;
  if (dfBetween < 1 || dfWithin < 1 || ssTotal === 0) return { ssBetween, ssWithin, ssTotal, dfBetween, dfWithin, eta2, f: null, p: null };
  const f = ssWithin === 0 ? Infinity : ssBetween / dfBetween / (ssWithin / dfWithin);
  return { ssBetween, ssWithin, ssTotal, dfBetween, dfWithin, eta2, f, p: fSurvival(f, dfBetween, dfWithin) };
}

/** The F test of a mean square `ss / df1` against an error mean square `msError` on `df2` degrees of freedom. */
export function fTest(ss: number, df1: number, msError: number, df2: number): FTest | null {
  if (df1 < 1 || df2 < 1) return null;
  const f = msError > 0 ? ss / df1 / msError : ss > 0 ? Infinity : 0;
  return { f, df1, df2, p: fSurvival(f, df1, df2) };
}

/** P(F > f) for F(df1, df2), from the upper tail of the incomplete beta, so that a tiny p keeps its digits. */
export function fSurvival(f: number, df1: number, df2: number): number {
  if (f === Infinity) return 0;
  if (!(f > 0)) return 1;
  return jStat.ibeta(df2 / (df2 + df1 * f), df2 / 2, df1 / 2);
}

/**
 * The interaction of two factors in a complete, balanced grid (every pair of levels `r` times): the cell means'
 * sum of squares less both main effects, on (ka - 1)(kb - 1) degrees of freedom. `cells[i][j]` holds the values of
 * level i of the first factor and level j of the second.
 */
export function interactionSumOfSquares(cells: number[][][]): { ss: number; df: number; ssCells: number; n: number } {
  const ka = cells.length;
  const kb = cells[0].length;
  const r = cells[0][0].length;
  const cellMeans = cells.map((row) => row.map(mean));
  const all = cells.flat(2);
  const grand = mean(all);
  const rowMeans = cellMeans.map((row) => mean(row));
  const colMeans = Array.from({ length: kb }, (_, j) => mean(cellMeans.map((row) => row[j])));
  let ss = 0;
  let ssCells = 0;
  for (let i = 0; i < ka; i++) {
    for (let j = 0; j < kb; j++) {
      const d = cellMeans[i][j] - rowMeans[i] - colMeans[j] + grand;
      ss += r * d * d;
      ssCells += r * (cellMeans[i][j] - grand) ** 2;
    }
  }
  return { ss, df: (ka - 1) * (kb - 1), ssCells, n: all.length };
}

/** Spearman's ρ: Pearson's correlation of the ranks, ties taking their average rank (scipy.stats.spearmanr). */
export function spearman(xs: number[], ys: number[]): Spearman {
  const n = xs.length;
  const rx = ranks(xs);
  const ry = ranks(ys);
  const rho = pearson(rx, ry);
  const leastP = Math.min(1, 2 / factorial(n));
  if (n < 3 || Number.isNaN(rho)) return { rho, p: null, n, leastP };
  if (n <= EXACT_PAIRS) return { rho, p: exactRankP(rx, ry), n, leastP };
  const df = n - 2;
  const t = rho * Math.sqrt(df / ((1 - rho) * (1 + rho)));
  const fromT = Math.abs(rho) >= 1 ? 0 : 2 * (1 - jStat.studentt.cdf(Math.abs(t), df));
  return { rho, p: Math.max(fromT, leastP), n, leastP };
}

function factorial(n: number): number {
  let f = 1;
  for (let k = 2; k <= n; k++) f *= k;
  return f;
}

/**
 * Twice the smaller tail of Σ rx·ry over every order of `ry` (Heap's algorithm: one swap, an O(1) update, per
 * order), capped at 1: ρ is that sum shifted and scaled, since the ranks' means and spreads do not change.
 */
function exactRankP(rx: number[], ry: number[]): number {
  const y = [...ry];
  const n = y.length;
  let dot = 0;
  for (let i = 0; i < n; i++) dot += rx[i] * y[i];
  const observed = dot;
  const tolerance = 1e-9 * Math.max(1, Math.abs(observed));
  let atLeast = 0;
  let atMost = 0;
  let total = 0;
  const count = () => {
    total++;
    if (dot >= observed - tolerance) atLeast++;
    if (dot <= observed + tolerance) atMost++;
  };
  count();
  const c = new Array<number>(n).fill(0);
  for (let i = 1; i < n; ) {
    if (c[i] < i) {
      const j = i % 2 === 0 ? 0 : c[i];
      dot += (rx[j] - rx[i]) * (y[i] - y[j]);
      [y[i], y[j]] = [y[j], y[i]];
      count();
      c[i]++;
      i = 1;
    } else {
      c[i] = 0;
      i++;
    }
  }
  return Math.min(1, (2 * Math.min(atLeast, atMost)) / total);
}

/** 1-based ranks, ties given the mean of the ranks they span. */
export function ranks(xs: number[]): number[] {
  const order = xs.map((x, i) => i).sort((a, b) => xs[a] - xs[b]);
  const out = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && xs[order[j + 1]] === xs[order[i]]) j++;
    for (let k = i; k <= j; k++) out[order[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

function pearson(xs: number[], ys: number[]): number {
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}
