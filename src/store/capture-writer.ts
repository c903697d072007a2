import type Database from 'better-sqlite3';
import type { CapturePayload } from '../capture/collector.js';
import type { CellExtras } from './trial-writer.js';
import { preparedOnce } from './db.js';

/**
 * Writes what the collector captured into noWorkflow's tables (code_component, evaluation, dependency,
 * file_access) plus `nbprov_value`. It keeps the collector-id → evaluation map of the whole trial, so a
 * dependency can point into an earlier cell's activation.
 */
export class CaptureWriter {
  readonly #evaluations = new Map<number, { id: number; activation: number }>();
  #fileCount = 0;
  #dependencyCount = 0;
  #kernelClockOffset?: number;

  /** The per-cell transaction hook that writes `payload`, with kernel times mapped onto trial checkpoints. */
  extras(payload: CapturePayload, cellStart: number): CellExtras {
    return ({ db, trialId, activationId, cellComponentId, nextEvaluationId, nextComponentId }) => {
      const st = statements(db);
      const times = [...payload.versions.map((v) => v.t), ...payload.files.map((f) => f.t)];
      // The kernel's perf_counter has its own epoch: anchor it once, on the first cell that reported anything.
      if (this.#kernelClockOffset === undefined && times.length) this.#kernelClockOffset = cellStart - Math.min(...times);
      const checkpoint = (t: number) => t + (this.#kernelClockOffset ?? 0);
      for (const v of payload.versions) {
        const componentId = nextComponentId();
        const evaluationId = nextEvaluationId();
        st.component.run(trialId, componentId, v.name, 'name', v.kind === 'del' ? 'd' : 'w', v.line, v.col, v.end_line, v.end_col, cellComponentId);
        st.evaluation.run(trialId, evaluationId, checkpoint(v.t), componentId, activationId, v.repr);
        st.value.run(
          trialId, evaluationId, activationId, v.name, v.kind, v.type,
          v.value === undefined || v.value === null ? null : JSON.stringify(v.value), v.summary ? JSON.stringify(v.summary) : null, v.iterations ?? null,
        );
        this.#evaluations.set(v.v, { id: evaluationId, activation: activationId });
      }
      for (const [dependent, dependency, type] of payload.deps) {
        const a = this.#evaluations.get(dependent);
        const b = this.#evaluations.get(dependency);
        if (!a || !b) continue;
        st.dependency.run(trialId, ++this.#dependencyCount, a.activation, a.id, b.activation, b.id, DEPENDENCY_TYPE[type] ?? type);
      }
      for (const f of payload.files) {
        st.file.run(trialId, ++this.#fileCount, f.name, f.mode, f.before, f.after, checkpoint(f.t), activationId);
      }
    };
  }
}

/**
 * The collector's dependency kinds in noWorkflow's vocabulary. noWorkflow reads `assignment` as "this evaluation
 * IS that version" and merges the two nodes, so a data dependency must be its generic `dependency`.
 */
export const DEPENDENCY_TYPE: Record<string, string> = {
  assignment: 'dependency',
  condition: 'condition',
  bound: 'bound',
  call: 'call',
};

const statements = preparedOnce(prepare);

function prepare(db: Database.Database) {
  return {
    component: db.prepare(
      `INSERT INTO code_component (trial_id, id, name, type, mode, first_char_line, first_char_column, last_char_line, last_char_column, container_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    evaluation: db.prepare('INSERT INTO evaluation (trial_id, id, checkpoint, code_component_id, activation_id, repr) VALUES (?, ?, ?, ?, ?, ?)'),
    value: db.prepare(
      'INSERT INTO nbprov_value (trial_id, evaluation_id, activation_id, name, kind, type, value, summary, iterations) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    dependency: db.prepare(
      `INSERT INTO dependency (trial_id, id, dependent_activation_id, dependent_id, dependency_activation_id, dependency_id, type, reference, collection_activation_id, collection_id, "key")
       VALUES (?, ?, ?, ?, ?, ?, ?, 0, NULL, NULL, NULL)`,
    ),
    file: db.prepare(
      `INSERT INTO file_access (trial_id, id, name, mode, buffering, content_hash_before, content_hash_after, checkpoint, activation_id)
       VALUES (?, ?, ?, ?, 'default', ?, ?, ?, ?)`,
    ),
  };
}
