// What `nbprov report` puts into its page: plain JSON data, built by build.ts, read by page/ in the browser.
// The parts are the JSON the CLI prints already (compare --json, deps --json, diff --json, show --json), so the
// page and the commands never disagree. The page's DOM contract is in /work/briefs/report-contract.md.

/** Any JSON value, as a command's --json output holds them. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface ReportModel {
  nbprov: string;
  /** ISO time the report was made. */
  generated: string;
  /** The notebook(s) of the trials, as recorded. */
  title: string;
  trials: number;
  /** First and last trial start, or null without trials. */
  dateRange: [string, string] | null;
  /** `nbprov compare --json` for the selection, with a duration column, and an integral float as {repr: "1.0"}. */
  comparison: Json;
  /** Seconds per stage ('(no stage)' for cells without one), for every trial. */
  timings: { trial: number; stages: Record<string, number> }[];
  /**
   * Trial sequence → metric name → `nbprov deps METRIC --trial SEQ --json`; a graph over 150 versions comes as
   * `--depth N` cuts it (its deepest nodes `truncated: true`). A metric the trial never assigned has none.
   */
  lineage: Record<string, Record<string, Json>>;
  /** Trial sequence → `nbprov show SEQ --json`. */
  details: Record<string, Json>;
  /** `nbprov diff a b --json` for a bounded set of pairs. */
  diffs: { a: number; b: number; why: 'adjacent' | 'best-vs-latest'; diff: Json }[];
  /** The trials that have lineage and details in the report (newest 50 and each metric's best). */
  lineageTrials: number[];
  /**
   * Metric name → `nbprov explain METRIC --json` over every trial of the report, or {refused, hint} with the message
   * explain exits 2 with (fewer than 3 trials with the metric, no parameter varying).
   */
  explain: Record<string, Json>;
}
