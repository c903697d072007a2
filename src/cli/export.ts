import { Option, type Command } from 'commander';
import type Database from 'better-sqlite3';
import { NbprovError } from '../errors.js';
import { compareTrials, TRIAL_COLUMNS, type Comparison } from '../compare/comparison.js';
import { selectTrials } from '../compare/selection.js';
import { readLineage, type LineageGraph } from '../graph/lineage.js';
import { trialEnvironment } from '../store/environment.js';
import { activationStarts, trialNotebookHash, trialVersionIds } from '../store/prov-rows.js';
import { resolveTrial, trialCells, trialFileAccesses, type TrialSummary } from '../store/queries.js';
import { trialCellStages, trialVariableTags } from '../store/stage-tags.js';
import { parseTimestamp } from '../store/time.js';
import { comparisonJson, renderComparisonCsv } from '../render/comparison-table.js';
import { provDocument, type ProvCell, type ProvSource } from '../render/prov-model.js';
import { renderProvJson } from '../render/prov-json.js';
import { renderProvN } from '../render/prov-n.js';
import { openForReading } from './db-options.js';
import { requireWritableTarget, writeOutputFile } from './output-file.js';
import type { CommandContext } from './command-context.js';
import { MAX_PROV_VERSIONS } from '../limits.js';

export const EXPORT_FORMATS = ['prov-json', 'prov-n', 'csv', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const FORMAT_NAMES: Record<ExportFormat, string> = { 'prov-json': 'PROV-JSON', 'prov-n': 'PROV-N', csv: 'CSV', json: 'JSON' };

export interface ExportFlags {
  db?: string;
  format?: ExportFormat;
  output?: string;
  all?: boolean;
}

export function registerExport(program: Command, context: CommandContext): void {
  program
    .command('export')
    .description('a trial as W3C PROV (PROV-JSON or PROV-N), or one row per trial with its params and metrics (CSV or JSON) for pandas')
    .argument('[trials...]', 'trial selectors (number, name, id prefix, last, last~N); PROV: one trial (default last); csv/json: default every trial of the newest trial\'s notebook')
    .addOption(new Option('--format <format>', 'output format').choices(EXPORT_FORMATS).default('prov-json'))
    .option('--all', 'csv/json: every trial in the database')
    .option('-o, --output <file>', 'write to FILE (replaced whole, only once the export is complete) instead of stdout')
    .option('--db <path>', 'database file (default: .noworkflow/db.sqlite here, or $NBPROV_DB)')
    .addHelpText(
      'after',
      `
PROV (https://www.w3.org/TR/prov-dm/): entities are variable versions (prov:label = the name; nbprov:version,
nbprov:value, nbprov:type, nbprov:tag), files (nbprov:path, nbprov:sha1) and the notebook; activities are the cell
runs (prov:label "cell 7 · metrics-evaluation", start and end times) and the trial (trial:run); agents the user
and nbprov. wasDerivedFrom holds nbprov's lineage edges (a mutation is a prov:Revision), used / wasGeneratedBy /
wasInformedBy what each cell read, made and took from other cells. Identifiers live in the trial's own namespace
(prefix trial: bound to urn:nbprov:trial:ID/), so the documents of several trials merge without clashes.

CSV / JSON: columns trial, id, notebook, start, status, duration, then the tagged params and metrics; CSV loads with
pandas.read_csv, JSON (an array of rows) with pandas.read_json.

Examples:
  $ nbprov export last --format prov-json -o trial.json
  $ nbprov export 3 --format prov-n
  $ nbprov export --format csv -o runs.csv         then: pandas.read_csv('runs.csv')
  $ nbprov export 1 2 5 --format json
  $ nbprov export --all --format csv`,
    )
    .action((trials: string[], flags: ExportFlags) => {
      context.reply({ stdout: handler(trials, flags) });
    });
}

/** The export's text (stdout), or, with --output, the line saying what was written. */
export function handler(trials: string[], flags: ExportFlags): string {
  const format = flags.format ?? 'prov-json';
  const prov = format.startsWith('prov');
  if (prov && (trials.length > 1 || flags.all)) {
    throw new NbprovError('NBPROV_USAGE', `--format ${format} exports one trial at a time`, { hint: 'name one trial (e.g. `nbprov export 3 --format prov-json -o trial3.json`); the documents of several trials merge without clashes' });
  }
  if (flags.output !== undefined) requireWritableTarget(flags.output, 'trial.json');
  const { db, path } = openForReading({ db: flags.db });
  let text: string;
  let what: string;
  try {
    if (prov) {
      const trial = resolveTrial(db, trials[0] ?? 'last');
      const versions = trialVersionIds(db, trial.id);
      requireProvSize(versions.length, trial);
      const source = provSource(db, trial, readLineage(db, trial.id, versions, { direction: 'backward' }), { files: true });
      const doc = provDocument(source);
      text = format === 'prov-json' ? renderProvJson(doc) : renderProvN(doc);
      what = `trial ${trial.sequence}`;
    } else {
      const selection = selectTrials(db, path, trials, { all: flags.all });
      if (!selection) throw new NbprovError('NBPROV_NOT_FOUND', 'no trials to export', { hint: 'record one with `nbprov run NOTEBOOK.ipynb`' });
      const table = trialTable(compareTrials(db, selection, {}));
      text = format === 'csv' ? renderComparisonCsv(table) : JSON.stringify(comparisonJson(table).rows, null, 2) + '\n';
      what = `${table.rows.length} trial${table.rows.length === 1 ? '' : 's'}`;
    }
  } finally {
    db.close();
  }
  if (flags.output === undefined) return text;
  writeOutputFile(flags.output, text);
  return `wrote ${flags.output} (${what}, ${FORMAT_NAMES[format]})\n`;
}

/** compare's table with every trial column: one home for the rows of `compare --csv` and `export --format csv`. */
function trialTable(c: Comparison): Comparison {
  const tagged = c.columns.filter((col) => col.kind !== 'trial');
  return { ...c, columns: [...TRIAL_COLUMNS.map((name) => ({ name, kind: 'trial' as const, direction: null })), ...tagged] };
}

/** Exit 2 for a PROV document too large to build: the lineage of one value, cut by depth, still goes out. */
export function requireProvSize(versions: number, trial: TrialSummary): void {
  if (versions <= MAX_PROV_VERSIONS) return;
  throw new NbprovError('NBPROV_USAGE', `trial ${trial.sequence} has ${versions} variable versions; a PROV document holds at most ${MAX_PROV_VERSIONS}`, {
    hint: `export the lineage of one value instead: \`nbprov deps VAR --trial ${trial.sequence} --format prov-json --depth 3\``,
  });
}

/**
 * What the PROV document of a trial is made from: `graph` (the whole trial's lineage, or the part `deps` walked),
 * the cell runs that made its versions (every cell run, for a whole trial) and, for a whole trial, its files.
 */
export function provSource(db: Database.Database, trial: TrialSummary, graph: LineageGraph, opts: { files: boolean }): ProvSource {
  const start = parseTimestamp(trial.start);
  const starts = activationStarts(db, trial.id);
  const stages = trialCellStages(db, trial.id);
  const activations = new Set<number>();
  graph.forEachNode((_, n) => {
    if (n.activationId !== null) activations.add(n.activationId);
  });
  const cells: ProvCell[] = [];
  for (const c of trialCells(db, trial.id)) {
    if (c.activationId === null || (!opts.files && !activations.has(c.activationId))) continue;
    const offset = starts.get(c.activationId);
    const cellStart = start && offset !== undefined && offset !== null ? new Date(start.getTime() + offset * 1000) : undefined;
    const cellEnd = cellStart && c.seconds !== null ? new Date(cellStart.getTime() + c.seconds * 1000) : undefined;
    cells.push({ activationId: c.activationId, index: c.index, cellId: c.cellId, stage: stages.get(c.activationId) ?? null, status: c.status, codeHash: c.codeHash, start: cellStart, end: cellEnd });
  }
  const tags = new Map<number, string>();
  for (const t of trialVariableTags(db, trial.id)) {
    if (t.evaluationId !== null) tags.set(t.evaluationId, tags.has(t.evaluationId) ? `${tags.get(t.evaluationId)},${t.kind}` : t.kind);
  }
  return {
    trial: {
      id: trial.id,
      sequence: trial.sequence,
      notebook: trial.notebook,
      notebookHash: trialNotebookHash(db, trial.id),
      status: trial.status,
      start,
      finish: parseTimestamp(trial.finish),
      recordedBy: trialEnvironment(db, trial.id).get('nbprov') ?? null,
    },
    cells,
    graph,
    files: opts.files ? trialFileAccesses(db, trial.id) : [],
    tags,
  };
}

