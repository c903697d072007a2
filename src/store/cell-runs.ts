import type Database from 'better-sqlite3';
import { preparedOnce } from './db.js';

/** Where and how an activation (one run of a cell) ran, from `nbprov_cell`. */
export interface CellRun {
  activationId: number;
  /** 1-based cell index. */
  cell: number | null;
  cellId: string | null;
  cellStatus: string | null;
}

const ofActivationsStatement = preparedOnce((db) =>
  db.prepare(
    `SELECT c.activation_id AS activationId, c.cell_index AS cell, c.cell_id AS cellId, c.status AS cellStatus
     FROM json_each(@ids) j CROSS JOIN nbprov_cell c ON c.trial_id = @trial AND c.activation_id = j.value`,
  ),
);

/** The cell runs of these activations; activations that ran no notebook cell are left out. */
export function cellRunsOfActivations(db: Database.Database, trialId: string, activationIds: number[]): CellRun[] {
  return ofActivationsStatement(db).all({ ids: JSON.stringify(activationIds), trial: trialId }) as CellRun[];
}
