import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { REPR_LIMIT } from '../limits.js';
import { putContent } from './content.js';
import { codeComponentInsert } from './code-components.js';
import { preparedOnce } from './db.js';
import { saveLineageEdges } from './lineage-edges.js';
import { nowTimestamp } from './time.js';
import { autoTag } from './auto-tag.js';
import { claimTrialName } from './trial-names.js';
import { insertCellStage, insertVariableTag, parameterNamesAssigned } from './stage-tags.js';

export type TrialStatus = 'running' | 'finished' | 'failed' | 'kernel-died' | 'timed-out' | 'interrupted' | 'server-lost';
export type CellStatus = 'pending' | 'ok' | 'error' | 'skipped' | 'not-run';

export interface TrialStart {
  notebook: string;
  /** The notebook file's bytes, stored in the content store and hashed as the main code block. */
  notebookBytes: Buffer;
  command: string;
  cwd: string;
  kernel: string;
  serverKind: string;
  serverUrl: string;
  capture: string;
  parameters?: Record<string, unknown>;
  /** The trial's name (`run --name`, a sweep's run), unique among the notebook's trials. */
  name?: string;
  /** The sweep run this trial runs: an earlier trial of that run (one --resume re-runs) hands over the name. */
  nameFrom?: { sweepId: number; position: number };
  /** `injected`: the papermill-style `injected-parameters` cell, which is not the notebook's own. */
  cells: { index: number; id?: string; codeHash: string; source: string; injected?: boolean }[];
}

export interface CellRecord {
  index: number;
  status: Exclude<CellStatus, 'pending' | 'not-run'>;
  executionCount: number | null;
  /** perf_counter-like seconds since the trial started. */
  start: number;
  end: number;
  outputsSummary?: string;
  error?: { ename: string; evalue: string };
  /** The cell's stage tag, recorded as a noWorkflow stage_tags row. */
  stage?: string;
}

/** Hooks that let a capture layer add rows inside the same per-cell transaction. */
export interface CellExtras {
  (ctx: {
    db: Database.Database;
    trialId: string;
    /** The cell's activation, whose id is also its evaluation's id (noWorkflow's convention). */
    activationId: number;
    /** The notebook's activation, in which the cell's evaluation sits. */
    parentActivationId: number;
    cellComponentId: number;
    nextEvaluationId: () => number;
    nextComponentId: () => number;
  }): void;
}

/**
 * Writes one trial as noWorkflow lays it out: a `trial` row, a main code block/activation for the notebook, and
 * one code block + evaluation + activation per executed cell. Every call is its own short transaction, so a crash
 * keeps everything finished before it.
 */
export class TrialWriter {
  readonly id: string;
  readonly sequence: number;
  readonly #db: Database.Database;
  readonly #t0 = performance.now();
  #nextComponent = 1;
  #nextEvaluation = 1;
  readonly #mainId: number;
  #moduleCount = 0;
  #envCount = 0;

  private constructor(db: Database.Database, id: string, sequence: number, mainId: number, nextComponent: number, nextEvaluation: number) {
    this.#db = db;
    this.id = id;
    this.sequence = sequence;
    this.#mainId = mainId;
    this.#nextComponent = nextComponent;
    this.#nextEvaluation = nextEvaluation;
  }

  /** Inserts the trial (status running) with one pending row per code cell, and returns its writer. */
  static begin(db: Database.Database, dbPath: string, start: TrialStart): TrialWriter {
    const id = randomUUID();
    const dbDir = dirname(dbPath);
    const notebookHash = putContent(dbDir, start.notebookBytes);
    for (const cell of start.cells) putContent(dbDir, cell.source);
    const startedAt = nowTimestamp();
    const lines = start.notebookBytes.toString('utf8').split('\n');
    const sequence = db.transaction(() => {
      const parent = db.prepare('SELECT id FROM trial WHERE script = ? ORDER BY sequence_key DESC LIMIT 1').get(start.notebook) as { id: string } | undefined;
      const info = db
        .prepare(
          `INSERT INTO trial (id, script, start, finish, command, path, status, modules_inherited_from_trial_id, parent_id, main_id, experiment_id, user_id)
           VALUES (?, ?, ?, NULL, ?, ?, 'unfinished', NULL, ?, 1, NULL, NULL)`,
        )
        .run(id, start.notebook, startedAt, start.command, start.cwd, parent?.id ?? null);
      codeComponentInsert(db).run(id, 1, start.notebook, 'script', 'w', 1, 0, lines.length, lines[lines.length - 1].length, null);
      db.prepare("INSERT INTO code_block (id, trial_id, code_hash, docstring) VALUES (1, ?, ?, '')").run(id, notebookHash);
      db.prepare("INSERT INTO evaluation (trial_id, id, checkpoint, code_component_id, activation_id, repr) VALUES (?, 1, NULL, 1, 0, ?)").run(id, `<notebook ${start.notebook}>`);
      db.prepare("INSERT INTO activation (trial_id, id, name, start_checkpoint, code_block_id) VALUES (?, 1, '__main__', 0, 1)").run(id);
      db.prepare(
        `INSERT INTO nbprov_trial (trial_id, notebook, notebook_hash, kernel, server_kind, server_url, capture, status, pid, host, cells_total, parameters)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)`,
      ).run(id, start.notebook, notebookHash, start.kernel, start.serverKind, start.serverUrl, start.capture, process.pid, hostname(), start.cells.length, start.parameters ? JSON.stringify(start.parameters) : null);
      if (start.name !== undefined) claimTrialName(db, id, start.notebook, start.name, start.nameFrom);
      const pending = db.prepare("INSERT INTO nbprov_cell (trial_id, cell_index, cell_id, code_hash, first_line, status, injected) VALUES (?, ?, ?, ?, ?, 'pending', ?)");
      for (const cell of start.cells) pending.run(id, cell.index, cell.id ?? null, cell.codeHash, firstLine(cell.source), cell.injected ? 1 : 0);
      db.prepare("INSERT INTO tag (trial_id, type, name, timestamp) VALUES (?, 'AUTO', ?, ?)").run(id, autoTag(db, start.notebook, notebookHash, start.command, id), startedAt);
      db.prepare('DELETE FROM head WHERE script = ?').run(start.notebook);
      db.prepare('INSERT INTO head (script, trial_id) VALUES (?, ?)').run(start.notebook, id);
      return Number(info.lastInsertRowid);
    }).immediate();
    return new TrialWriter(db, id, sequence, 1, 2, 2);
  }

  /** Seconds since the trial began: noWorkflow's checkpoint unit. */
  checkpoint(): number {
    return (performance.now() - this.#t0) / 1000;
  }

  /** Records one executed cell (and whatever `extras` adds) in one transaction; returns its activation id. */
  recordCell(cell: CellRecord, source: string, codeHash: string, extras?: CellExtras): number {
    const componentId = this.#nextComponent++;
    // The id-order invariant: a trial's evaluation ids come from this one counter, in recording order: a cell's
    // activation (also its evaluation), then, in the same transaction, the versions the cell made (capture-writer.ts).
    // So a cell holds the ids from its activation up to the next cell's, and every dependency row goes from a larger
    // id to a smaller one: a version is recorded after what it was built from, a cell after its inputs, a cell's
    // outputs after the cell. graph/ sweeps lineage in id order on it; test/trial-lineage.test.ts checks it on a run.
    const activationId = this.#nextEvaluation++;
    const lines = source.split('\n');
    const name = `<ipython-input-${cell.executionCount ?? 0}-${codeHash.slice(0, 12)}>`;
    this.#db.transaction(() => {
      const db = this.#db;
      const st = cellStatements(db);
      st.component.run(this.id, componentId, name, 'cell', 'w', 1, 0, lines.length, lines[lines.length - 1].length, this.#mainId);
      st.block.run(componentId, this.id, codeHash);
      st.evaluation.run(this.id, activationId, cell.end, componentId, this.#mainId, cell.error ? `${cell.error.ename}: ${cell.error.evalue}`.slice(0, REPR_LIMIT) : 'None');
      st.activation.run(this.id, activationId, name, cell.start, componentId);
      st.cell.run(activationId, cell.executionCount, cell.status, cell.end - cell.start, cell.outputsSummary ?? null, cell.error?.ename ?? null, cell.error?.evalue ?? null, this.id, cell.index);
      if (cell.stage) insertCellStage(db, this.id, activationId, cell.stage);
      extras?.({
        db,
        trialId: this.id,
        activationId,
        parentActivationId: this.#mainId,
        cellComponentId: componentId,
        nextEvaluationId: () => this.#nextEvaluation++,
        nextComponentId: () => this.#nextComponent++,
      });
    }).immediate();
    return activationId;
  }

  /** Names the given cells (1-based indices) assigned that are worth a `param` tag: scalars, strings, small containers. */
  namesAssignedIn(cellIndices: number[]): string[] {
    return parameterNamesAssigned(this.#db, this.id, cellIndices);
  }

  /**
   * Tags each variable's final version (name → kind), a `param` its version from the parameters cells (1-based
   * indices) when they assigned it; returns the names this trial never assigned.
   */
  tagVariables(tags: Record<string, string>, parameterCells: number[] = []): string[] {
    const missing: string[] = [];
    this.#db.transaction(() => {
      for (const [name, kind] of Object.entries(tags)) if (!insertVariableTag(this.#db, this.id, name, kind, parameterCells)) missing.push(name);
    }).immediate();
    return missing;
  }

  /** Marks cells as skipped (skip-execution tag) without an activation. */
  markCell(index: number, status: 'skipped' | 'error', error?: { name: string; value: string }): void {
    this.#db
      .prepare('UPDATE nbprov_cell SET status = ?, error_name = ?, error_value = ? WHERE trial_id = ? AND cell_index = ?')
      .run(status, error?.name ?? null, error?.value ?? null, this.id, index);
  }

  recordEnvironment(attrs: Record<string, unknown>): void {
    const insert = this.#db.prepare('INSERT INTO environment_attr (trial_id, id, name, value) VALUES (?, ?, ?, ?)');
    this.#db.transaction(() => {
      for (const [name, value] of Object.entries(attrs)) if (value !== undefined && value !== null) insert.run(this.id, ++this.#envCount, name, String(value));
    }).immediate();
  }

  recordModules(modules: { name: string; version?: string | null; path?: string | null }[]): void {
    if (modules.length === 0) return;
    const insert = this.#db.prepare(
      'INSERT INTO module (trial_id, id, name, version, path, code_block_id, transformed, fullpath) VALUES (?, ?, ?, ?, ?, NULL, 0, ?)',
    );
    this.#db.transaction(() => {
      for (const m of modules) insert.run(this.id, ++this.#moduleCount, m.name, m.version ?? null, m.path ?? null, m.path ?? null);
    }).immediate();
  }

  /** Closes the trial: noWorkflow sees `finished` only for a clean run, `unfinished` otherwise. */
  finish(status: Exclude<TrialStatus, 'running'>, opts: { error?: string; recorderErrors?: number } = {}): void {
    const end = this.checkpoint();
    this.#db.transaction(() => {
      this.#db.prepare("UPDATE trial SET finish = ?, status = ? WHERE id = ?").run(nowTimestamp(), status === 'finished' ? 'finished' : 'unfinished', this.id);
      this.#db.prepare('UPDATE evaluation SET checkpoint = ? WHERE trial_id = ? AND id = ?').run(end, this.id, this.#mainId);
      this.#db.prepare("UPDATE nbprov_cell SET status = 'not-run' WHERE trial_id = ? AND status = 'pending'").run(this.id);
      this.#db
        .prepare('UPDATE nbprov_trial SET status = ?, error = ?, recorder_errors = recorder_errors + ? WHERE trial_id = ?')
        .run(status, opts.error ?? null, opts.recorderErrors ?? 0, this.id);
    }).immediate();
    try {
      saveLineageEdges(this.#db, this.id);
    } catch {
      // Only a copy for `diff`, which reads the rows without it: a full disk here must not undo the status above.
    }
  }

}

export function firstLine(source: string): string {
  return source.split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 120) ?? '';
}

/** The statements of recordCell, prepared once per connection: they run for every cell. */
const cellStatements = preparedOnce((db) => ({
  component: codeComponentInsert(db),
  block: db.prepare("INSERT INTO code_block (id, trial_id, code_hash, docstring) VALUES (?, ?, ?, '')"),
  evaluation: db.prepare('INSERT INTO evaluation (trial_id, id, checkpoint, code_component_id, activation_id, repr) VALUES (?, ?, ?, ?, ?, ?)'),
  activation: db.prepare('INSERT INTO activation (trial_id, id, name, start_checkpoint, code_block_id) VALUES (?, ?, ?, ?, ?)'),
  cell: db.prepare(
    `UPDATE nbprov_cell SET activation_id = ?, execution_count = ?, status = ?, duration = ?, outputs = ?, error_name = ?, error_value = ?
     WHERE trial_id = ? AND cell_index = ?`,
  ),
}));
