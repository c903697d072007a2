import { preparedOnce } from './db.js';

/** A code_component row in column order; container_id is null for the notebook itself. */
export type CodeComponentRow = [
  trialId: string,
  id: number,
  name: string,
  type: string,
  mode: string,
  firstCharLine: number,
  firstCharColumn: number,
  lastCharLine: number,
  lastCharColumn: number,
  containerId: number | null,
];

/**
 * noWorkflow's code_component insert, the one every writer uses: the notebook as a script, each cell, each name the
 * collector saw. Prepared once per connection; the capture writer runs it for every version.
 */
export const codeComponentInsert = preparedOnce((db) =>
  db.prepare<CodeComponentRow>(
    `INSERT INTO code_component (trial_id, id, name, type, mode, first_char_line, first_char_column, last_char_line, last_char_column, container_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ),
);
