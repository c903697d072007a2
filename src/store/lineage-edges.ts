import { endianness } from 'node:os';
import type Database from 'better-sqlite3';
import { preparedOnce } from './db.js';
import { LINEAGE_EDGE } from './dependency-types.js';

/**
 * A trial's lineage edges (data, control, mutation, call) as compressed sparse rows: evaluation `e` was built from
 * `dependencies[offsets[e]]` up to `dependencies[offsets[e + 1]]` (exclusive); `offsets` has one entry past the
 * highest dependent id.
 */
export interface LineageEdges {
  offsets: Int32Array;
  dependencies: Int32Array;
  /** Per-edge codes at the same index as `dependencies`, when the reader kept the edges' types (never packed). */
  kinds?: Uint8Array;
}

/**
 * Finished trials keep these arrays in `nbprov_lineage` as little-endian int32 blobs: `diff` reads a 10^5-edge trial
 * in about a millisecond, where aggregating its dependency rows and indexing them takes about 50 (better-sqlite3
 * spends microseconds per returned row, hence the JSON arrays of the fallback). Trials are never re-linked after
 * they finish, so the copy cannot go stale; one that is missing (a running or killed trial, one recorded before
 * migration 8, or by noWorkflow) is read from the rows.
 */
const PACKED = endianness() === 'LE';

const statements = preparedOnce((db) => ({
  rows: db.prepare(`SELECT json_group_array(dependent_id), json_group_array(dependency_id) FROM dependency d WHERE trial_id = ? AND ${LINEAGE_EDGE}`).raw(),
  packed: db.prepare('SELECT offsets, dependencies FROM nbprov_lineage WHERE trial_id = ?').raw(),
  save: db.prepare('INSERT OR REPLACE INTO nbprov_lineage (trial_id, offsets, dependencies) VALUES (?, ?, ?)'),
}));

export function readLineageEdges(db: Database.Database, trialId: string): LineageEdges {
  const st = statements(db);
  const packed = PACKED ? (st.packed.get(trialId) as [Buffer, Buffer] | undefined) : undefined;
  if (packed && packed[0].length % 4 === 0 && packed[1].length % 4 === 0) return { offsets: unpack(packed[0]), dependencies: unpack(packed[1]) };
  return edgesFromRows(db, trialId);
}

/** Packs a trial's edges once it is over; its dependency rows stay the record. */
export function saveLineageEdges(db: Database.Database, trialId: string): void {
  if (!PACKED) return;
  const edges = edgesFromRows(db, trialId);
  statements(db).save.run(trialId, pack(edges.offsets), pack(edges.dependencies));
}

function edgesFromRows(db: Database.Database, trialId: string): LineageEdges {
  const [dependentsJson, dependenciesJson] = statements(db).rows.get(trialId) as [string, string];
  return compressEdges(Int32Array.from(JSON.parse(dependentsJson) as number[]), Int32Array.from(JSON.parse(dependenciesJson) as number[]));
}

/**
 * Compressed sparse rows of parallel (dependent, dependency, kind) arrays: rows keyed by dependent, each row's
 * edges in input order; `kinds` (any per-edge codes) travel with their edges.
 */
export function compressEdges(from: Int32Array, to: Int32Array, kinds?: Uint8Array): LineageEdges {
  let max = -1;
  for (let i = 0; i < from.length; i++) if (from[i] > max) max = from[i];
  const offsets = new Int32Array(max + 2);
  for (let i = 0; i < from.length; i++) offsets[from[i] + 1]++;
  for (let e = 1; e < offsets.length; e++) offsets[e] += offsets[e - 1];
  const fill = offsets.slice(0, max + 1);
  const dependencies = new Int32Array(to.length);
  const placedKinds = kinds && new Uint8Array(kinds.length);
  for (let i = 0; i < from.length; i++) {
    const k = fill[from[i]]++;
    dependencies[k] = to[i];
    if (placedKinds) placedKinds[k] = kinds![i];
  }
  return placedKinds ? { offsets, dependencies, kinds: placedKinds } : { offsets, dependencies };
}

function pack(array: Int32Array): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

function unpack(blob: Buffer): Int32Array {
  // An Int32Array view needs 4-byte alignment, which a blob's bytes need not have.
  if (blob.byteOffset % 4 === 0) return new Int32Array(blob.buffer, blob.byteOffset, blob.length / 4);
  return new Int32Array(Uint8Array.from(blob).buffer);
}
