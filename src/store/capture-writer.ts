import type Database from 'better-sqlite3';
import type { CellExtras } from './trial-writer.js';
import { codeComponentInsert } from './code-components.js';
import { preparedOnce } from './db.js';
import { CELL_INPUT, CELL_OUTPUT, DEPENDENCY_TYPE } from './dependency-types.js';
import { isIntegralFloatText } from '../python-text.js';

/** One new version of a name, as the kernel-side collector reports it (capture/ decodes it from the kernel). */
export interface CapturedVersion {
  v: number;
  name: string;
  kind: string;
  line: number;
  col: number;
  end_line: number;
  end_col: number;
  type: string;
  repr: string;
  value?: unknown;
  summary?: Record<string, unknown> | null;
  iterations?: number | null;
  t: number;
  /** The parts a subscript/attribute store wrote (".lr", "['x']"): noWorkflow member keys. */
  keys?: string[];
}

export interface CapturedFile {
  name: string;
  mode: string;
  before: string | null;
  after: string | null;
  t: number;
}

/** What one cell's capture adds to the trial: new versions, their dependencies (collector ids), file accesses. */
export interface CellCapture {
  versions: CapturedVersion[];
  deps: [number, number, string][];
  files: CapturedFile[];
}

/**
 * Writes what the collector captured into noWorkflow's tables (code_component, evaluation, dependency, member,
 * file_access) plus `nbprov_value`. It keeps the collector-id → evaluation map of the whole trial, so a
 * dependency can point into an earlier cell's activation.
 */
export class CaptureWriter {
  readonly #evaluations = new Map<number, { id: number; activation: number }>();
  #fileCount = 0;
  #dependencyCount = 0;
  #memberCount = 0;
  #kernelClockOffset?: number;

  /** The per-cell transaction hook that writes `payload`, with kernel times mapped onto trial checkpoints. */
  extras(payload: CellCapture, cellStart: number): CellExtras {
    return ({ db, trialId, activationId, parentActivationId, cellComponentId, nextEvaluationId, nextComponentId }) => {
      const st = statements(db);
      const times = [...payload.versions.map((v) => v.t), ...payload.files.map((f) => f.t)];
      // The kernel's perf_counter has its own epoch: anchor it once, on the first cell that reported anything.
      if (this.#kernelClockOffset === undefined && times.length) this.#kernelClockOffset = cellStart - Math.min(...times);
      const checkpoint = (t: number) => t + (this.#kernelClockOffset ?? 0);
      const component = (name: string, type: string, mode: string, v: CapturedVersion) => {
        const id = nextComponentId();
        st.component.run(trialId, id, name, type, mode, v.line, v.col, v.end_line, v.end_col, cellComponentId);
        return id;
      };
      const dependency = (dependent: { id: number; activation: number }, on: { id: number; activation: number }, type: string) =>
        st.dependency.run(trialId, ++this.#dependencyCount, dependent.activation, dependent.id, on.activation, on.id, type);

      const outputs = new Map<string, { id: number; activation: number }>();
      for (const v of payload.versions) {
        // Numbered in the collector's order, which is the order versions were made: a version can only be built
        // from one made before it, so ids keep the id-order invariant stated in TrialWriter.recordCell.
        const evaluation = { id: nextEvaluationId(), activation: activationId };
        st.evaluation.run(trialId, evaluation.id, checkpoint(v.t), component(v.name, 'name', v.kind === 'del' ? 'd' : 'w', v), activationId, v.repr, null, null);
        st.value.run(
          trialId, evaluation.id, activationId, v.name, v.kind, v.type,
          valueJson(v.value, v.repr), v.summary ? JSON.stringify(v.summary) : null, v.iterations ?? null,
        );
        this.#evaluations.set(v.v, evaluation);
        if (v.kind === 'del' || v.kind === 'import') outputs.delete(v.name);
        else outputs.set(v.name, evaluation);
        // `df['x'] = …` also gets an evaluation of the stored part, hung under the new version of df; its value is
        // not captured (reading it back could run arbitrary __getitem__ code), so its repr stays NULL.
        for (const key of v.keys ?? []) {
          const memberId = nextEvaluationId();
          const type = key.startsWith('.') ? 'attribute' : 'subscript';
          st.evaluation.run(trialId, memberId, checkpoint(v.t), component(`${v.name}${key}`, type, 'w', v), activationId, null, activationId, evaluation.id);
          st.member.run(trialId, ++this.#memberCount, activationId, evaluation.id, activationId, memberId, key, checkpoint(v.t), 'Put');
        }
      }
      const inputs = new Map<number, { id: number; activation: number }>();
      for (const [dependent, on, type] of payload.deps) {
        const a = this.#evaluations.get(dependent);
        const b = this.#evaluations.get(on);
        if (!a || !b) continue;
        dependency(a, b, DEPENDENCY_TYPE[type] ?? type);
        if (b.activation !== activationId) inputs.set(b.id, b);
      }
      // noWorkflow's default dataflow (coarseGrain) draws an activation's arguments and what was assigned from it,
      // as for a function call: the cell reads its inputs, its final versions are assigned from the cell.
      const cell = { id: activationId, activation: parentActivationId };
      for (const input of inputs.values()) dependency(cell, input, CELL_INPUT);
      for (const output of outputs.values()) dependency(output, cell, CELL_OUTPUT);
      for (const f of payload.files) {
        st.file.run(trialId, ++this.#fileCount, f.name, f.mode, f.before, f.after, checkpoint(f.t), activationId);
      }
    };
  }
}

const statements = preparedOnce(prepare);

function prepare(db: Database.Database) {
  return {
    component: codeComponentInsert(db),
    evaluation: db.prepare(
      `INSERT INTO evaluation (trial_id, id, checkpoint, code_component_id, activation_id, repr, member_container_activation_id, member_container_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    value: db.prepare(
      'INSERT INTO nbprov_value (trial_id, evaluation_id, activation_id, name, kind, type, value, summary, iterations) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    dependency: db.prepare(
      `INSERT INTO dependency (trial_id, id, dependent_activation_id, dependent_id, dependency_activation_id, dependency_id, type, reference, collection_activation_id, collection_id, "key")
       VALUES (?, ?, ?, ?, ?, ?, ?, 0, NULL, NULL, NULL)`,
    ),
    member: db.prepare(
      `INSERT INTO member (trial_id, id, collection_activation_id, collection_id, member_activation_id, member_id, "key", checkpoint, type)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    file: db.prepare(
      `INSERT INTO file_access (trial_id, id, name, mode, buffering, content_hash_before, content_hash_after, checkpoint, activation_id)
       VALUES (?, ?, ?, ?, 'default', ?, ?, ?, ?)`,
    ),
  };
}

/** A captured scalar as JSON text; a float with an integral value keeps Python's text (1.0), which JSON.parse lost. */
function valueJson(value: unknown, repr: string | null | undefined): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' && Number.isInteger(value) && repr && isIntegralFloatText(repr) && Number(repr) === value) return repr;
  return JSON.stringify(value);
}
