import { InvalidArgumentError, Option, type Command } from 'commander';
import type Database from 'better-sqlite3';
import { NbprovError } from '../errors.js';
import { readLineage, type Direction } from '../graph/lineage.js';
import { parseVariableSpec, requireVariableCapture, resolveVariable } from '../graph/variables.js';
import { resolveTrial, type TrialSummary } from '../store/queries.js';
import { trialVariableTags } from '../store/stage-tags.js';
import { renderDot } from '../render/lineage-dot.js';
import { renderJson } from '../render/lineage-json.js';
import { renderMermaid } from '../render/lineage-mermaid.js';
import { renderStages } from '../render/lineage-stages.js';
import { renderTree } from '../render/lineage-tree.js';
import { stdoutColors } from '../render/terminal.js';
import { provDocument } from '../render/prov-model.js';
import { renderProvJson } from '../render/prov-json.js';
import { renderProvN } from '../render/prov-n.js';
import { openForReading } from './db-options.js';
import { provSource, requireProvSize } from './export.js';
import type { CommandContext } from './command-context.js';

export const FORMATS = ['text', 'json', 'dot', 'mermaid', 'prov-json', 'prov-n'] as const;
export type Format = (typeof FORMATS)[number];

export interface DepsFlags {
  db?: string;
  trial?: string;
  depth?: number;
  /** The N-th version of the variable (same as NAME@vN). */
  version?: number;
  /** False with --no-control. */
  control?: boolean;
  forward?: boolean;
  stages?: boolean;
  tagged?: boolean;
  format?: Format;
  json?: boolean;
  /** Colors in the text tree; the CLI turns them on for a terminal without NO_COLOR. */
  color?: boolean;
  /** Where warnings go (a partial history); the CLI writes them to stderr. */
  onWarning?: (message: string) => void;
}

export function registerDeps(program: Command, context: CommandContext): void {
  program
    .command('deps')
    .description('how a value was built: the tree of versions, values, cells and stages it came from (or, with --forward, what was built from it)')
    .argument('[variable]', 'NAME (its last version), NAME@CELL (its last version in that cell) or NAME@vN (its N-th version)')
    .option('--trial <trial>', 'trial selector: number, name, id prefix, last, last~N', 'last')
    .option('--version <n>', 'the N-th version of the variable (same as NAME@vN)', parseVersion)
    .option('--depth <n>', 'follow at most N levels of dependencies', parseDepth)
    .option('--no-control', 'leave out control dependencies (conditions and loop iterators)')
    .option('--forward', 'what was built from the value: its impact, e.g. of a hyperparameter')
    .option('--stages', 'group the versions by pipeline stage instead of drawing a tree')
    .option('--tagged', 'every variable tagged metric (with --forward: every param), in one compact tree')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('text'))
    .option('--json', 'same as --format json (shape documented in `nbprov deps --help`)')
    .option('--db <path>', 'database file (default: .noworkflow/db.sqlite here, or $NBPROV_DB)')
    .addHelpText(
      'after',
      `
Each line: NAME vN = VALUE  cell C · STAGE · line L. A version reached twice is printed once, then "(see above)".
Edge markers: [control] condition or loop iterator, [mutation] the previous version of a mutated object,
[call] a global read inside a called notebook function; plain lines are data dependencies.

JSON: {trial, direction, roots, tags?, nodes: [{id, name, version, kind, type, value, summary, repr, display,
iterations, cell, cellId, cellStatus, stage, line, depth, truncated}], edges: [{dependent, dependency, type}]}
with type data | control | mutation | call; ids are evaluation ids of the trial.

Examples:
  $ nbprov deps accuracy
  $ nbprov deps model@6 --depth 2 --no-control
  $ nbprov deps total@v3            (or: nbprov deps total --version 3)
  $ nbprov deps n_trees --forward --trial 3
  $ nbprov deps accuracy --trial baseline
  $ nbprov deps --tagged --stages
  $ nbprov deps accuracy --format dot | dot -Tsvg > accuracy.svg
  $ nbprov deps accuracy --format prov-json > accuracy.prov.json   (W3C PROV: see \`nbprov export --help\`)`,
    )
    .action((variable: string | undefined, flags: DepsFlags) => {
      const color = stdoutColors();
      context.reply({ stdout: handler(variable, { ...flags, color, onWarning: context.warn }) });
    });
}

/** Renders the lineage of one variable version, or of every tagged metric; returns the text to print. */
export function handler(variable: string | undefined, flags: DepsFlags): string {
  const format: Format = flags.json ? 'json' : flags.format ?? 'text';
  const direction: Direction = flags.forward ? 'forward' : 'backward';
  if (variable === undefined && !flags.tagged) throw new NbprovError('NBPROV_USAGE', 'name a variable, or pass --tagged', { hint: 'e.g. `nbprov deps accuracy`' });
  if (variable !== undefined && flags.tagged) throw new NbprovError('NBPROV_USAGE', '--tagged draws every tagged variable: do not name one too');
  if (flags.version !== undefined) {
    if (variable === undefined) throw new NbprovError('NBPROV_USAGE', '--version picks a version of a named variable', { hint: 'e.g. `nbprov deps total --version 3`' });
    if (variable.includes('@')) throw new NbprovError('NBPROV_USAGE', `'${variable}' already picks a version: drop --version or the @ part`);
    variable = `${variable}@v${flags.version}`;
  }
  const { db } = openForReading({ db: flags.db });
  try {
    const trial = resolveTrial(db, flags.trial ?? 'last');
    requireVariableCapture(trial);
    const { roots, tags } = variable === undefined ? taggedRoots(db, trial, direction) : { roots: [variableRoot(db, trial, variable, flags)], tags: undefined };
    const graph = readLineage(db, trial.id, roots, { direction, depth: flags.depth, control: flags.control !== false });
    const keys = roots.map(String);
    if (format === 'json') return renderJson(graph, keys, { trial: { sequence: trial.sequence, id: trial.id }, direction, tags });
    if (format === 'dot') return renderDot(graph, keys);
    if (format === 'mermaid') return renderMermaid(graph);
    if (format === 'prov-json' || format === 'prov-n') {
      requireProvSize(graph.order, trial);
      const doc = provDocument(provSource(db, trial, graph, { files: false }));
      return format === 'prov-json' ? renderProvJson(doc) : renderProvN(doc);
    }
    if (flags.stages) return renderStages(graph, keys, { direction, color: flags.color === true });
    return renderTree(graph, keys, { direction, color: flags.color === true, rootNotes: tags, depth: flags.depth });
  } finally {
    db.close();
  }
}

function variableRoot(db: Database.Database, trial: TrialSummary, variable: string, flags: DepsFlags): number {
  const resolved = resolveVariable(db, trial, parseVariableSpec(variable));
  if (resolved.warning) flags.onWarning?.(resolved.warning);
  return resolved.evaluationId;
}

/** The final versions of the trial's tagged metrics (backward) or parameters (forward), with their tags. */
function taggedRoots(db: Database.Database, trial: TrialSummary, direction: Direction): { roots: number[]; tags: Map<string, string> } {
  const wanted = (kind: string) => (direction === 'backward' ? kind.startsWith('metric') : kind === 'param');
  const rows = trialVariableTags(db, trial.id).filter((t) => wanted(t.kind) && t.evaluationId !== null);
  if (rows.length === 0) {
    const what = direction === 'backward' ? 'metric' : 'param';
    throw new NbprovError('NBPROV_NOT_FOUND', `trial ${trial.sequence} has no variable tagged ${what}`, {
      hint: `tag one with \`nbprov tag var NAME ${what === 'metric' ? 'metric:max' : 'param'}\` or a \`# nbprov: ${what}\` comment, then re-run`,
    });
  }
  rows.sort((a, b) => a.evaluationId - b.evaluationId);
  return { roots: rows.map((r) => r.evaluationId), tags: new Map(rows.map((r) => [String(r.evaluationId), r.kind])) };
}

function parseVersion(value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError(`--version needs a version number from 1, got '${value}'.`);
  return Number(value);
}

function parseDepth(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`--depth needs a whole number of levels, got '${value}'.`);
  return Number(value);
}
