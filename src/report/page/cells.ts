// How the trials table shows and orders a value: the same text and sort key as `nbprov compare`.
import type { Column } from '../../compare/comparison.js';
import { plainText, pythonText } from '../../python-text.js';
import { formatSeconds } from '../../render/durations.js';

/** The cell text of a column, as compare's table writes it (ids short, starts to the second, values as Python). */
export function cellText(column: Column, value: unknown): string {
  if (column.kind === 'trial') {
    if (value === undefined || value === null) return '-';
    if (column.name === 'id') return String(value).slice(0, 8);
    if (column.name === 'start') return String(value).slice(0, 19);
    if (column.name === 'duration') return formatSeconds(value as number);
    return String(value);
  }
  return pythonText(value).split('\n')[0];
}

interface Keyed<T> {
  item: T;
  trial: number;
  rank: number;
  key: number | string | undefined;
}

/**
 * Sorts as `compare --sort` does: numbers numerically, then strings, missing values last in either direction,
 * ties in trial order.
 */
export function sortBy<T>(items: T[], value: (item: T) => unknown, trial: (item: T) => number, descending: boolean): T[] {
  const sign = descending ? -1 : 1;
  const keyed: Keyed<T>[] = items.map((item) => {
    const v = plainText(value(item));
    const rank = v === undefined || v === null ? 2 : typeof v === 'number' ? 0 : 1;
    return { item, trial: trial(item), rank, key: rank === 0 ? (v as number) : rank === 1 ? String(v) : undefined };
  });
  keyed.sort((a, b) => {
    if (a.rank !== b.rank) return a.rank - b.rank;
    if (a.rank === 2) return a.trial - b.trial;
    const order = a.rank === 0 ? (a.key as number) - (b.key as number) : a.key! < b.key! ? -1 : a.key! > b.key! ? 1 : 0;
    return sign * order || a.trial - b.trial;
  });
  return keyed.map((k) => k.item);
}
