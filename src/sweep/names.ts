import type Database from 'better-sqlite3';
import { NbprovError } from '../errors.js';
import { badName, clashingNames, nameTaken, trialNameProblem } from '../store/trial-names.js';
import { quoteName } from '../trial-name-text.js';
import type { PlannedRun } from './grid.js';
import { fieldText, nameTemplateNames } from './output-template.js';

/** How a sweep names its trials: `--name TEMPLATE`, else each run's combination. */
export interface RunNames {
  /** Each run's name, in run order; undefined for a run left unnamed. */
  names: (string | undefined)[];
  /** True when the names come from the combinations: those of a sweep of the same values before are qualified. */
  byDefault: boolean;
  /** Runs left unnamed, with why (a value no name can hold). */
  unnamed: string[];
}

/**
 * Each run's name: the `--name` template filled in, else its combination as the command line or grid file wrote
 * it, `n_trees=3,test_size=0.5` in the order the parameters were given, `#1`, `#2`, ... after runs of one
 * combination (`--repeat` without `--seed-param`). A template's name that cannot be a name refuses the sweep; a
 * combination's leaves its run unnamed.
 */
export function planRunNames(runs: PlannedRun[], template?: string): RunNames {
  if (template !== undefined) {
    const names = nameTemplateNames(template, runs);
    names.forEach((name, i) => {
      const problem = trialNameProblem(name);
      if (problem) throw badName(name, `--name ${template}: run ${i + 1}'s name`, problem);
    });
    return { names, byDefault: false, unnamed: [] };
  }
  const labels = runs.map((run) => Object.keys(run.combination).map((k) => `${k}=${fieldText(run, k)}`).join(',') || 'defaults');
  const total = new Map<string, number>();
  for (const label of labels) total.set(label, (total.get(label) ?? 0) + 1);
  const seen = new Map<string, number>();
  const unnamed: string[] = [];
  const names = labels.map((label, i) => {
    const nth = (seen.get(label) ?? 0) + 1;
    seen.set(label, nth);
    const name = total.get(label)! > 1 ? `${label}#${nth}` : label;
    const problem = trialNameProblem(name);
    if (problem) unnamed.push(`run ${i + 1} is left unnamed: ${quoteName(name)}: ${problem}`);
    return problem ? undefined : name;
  });
  return { names, byDefault: true, unnamed };
}

/**
 * The names checked against the notebook's recorded trials before anything starts. A template's name another
 * trial holds refuses the sweep (exit 2, naming that trial). Default names taken by an earlier sweep of the same
 * values get `@2` (`n_trees=3@2`), or the first of `@3`, `@4`, ... that leaves every name free. `sweepId`: a
 * resumed sweep, whose own earlier trials of a run hand its name over.
 */
export function freeRunNames(db: Database.Database | undefined, notebook: string, runs: PlannedRun[], planned: RunNames, sweepId?: number): (string | undefined)[] {
  const clashes = (names: (string | undefined)[]) => (db ? clashingNames(db, notebook, named(runs, names), sweepId) : []);
  const first = clashes(planned.names);
  if (first.length === 0) return planned.names;
  if (!planned.byDefault || sweepId !== undefined) throw nameTaken(first[0].name, first[0].holder);
  for (let k = 2; k < 1000; k++) {
    const names = planned.names.map((name) => name && qualified(name, k));
    if (clashes(names).length === 0) return names;
  }
  throw new NbprovError('NBPROV_USAGE', `the sweep's names are taken up to @999, first by trial ${first[0].holder.sequence}`, { hint: "give the trials other names with --name '...{n_trees}'" });
}

/** `n_trees=3#2` of the k-th sweep of these values: `n_trees=3@k#2`. */
function qualified(name: string, k: number): string {
  const repeat = /#\d+$/.exec(name);
  return repeat ? `${name.slice(0, repeat.index)}@${k}${repeat[0]}` : `${name}@${k}`;
}

function named(runs: PlannedRun[], names: (string | undefined)[]): { name: string; position: number }[] {
  return runs.flatMap((run, i) => (names[i] === undefined ? [] : [{ name: names[i]!, position: run.position }]));
}

/**
 * The runs with their names: a new sweep's planned from `template` or the combinations, a resumed sweep's as it
 * recorded them; checked against the notebook's trials (`db`, when the database exists yet) before anything starts.
 */
export function nameSweepRuns<R extends PlannedRun & { name?: string }>(
  db: Database.Database | undefined,
  notebook: string,
  runs: R[],
  opts: { template?: string; resumedSweep?: number; onWarning?: (message: string) => void },
): R[] {
  const planned: RunNames = opts.resumedSweep === undefined ? planRunNames(runs, opts.template) : { names: runs.map((r) => r.name), byDefault: false, unnamed: [] };
  for (const message of planned.unnamed) opts.onWarning?.(message);
  const names = freeRunNames(db, notebook, runs, planned, opts.resumedSweep);
  return runs.map((run, i) => ({ ...run, name: names[i] }));
}
