import type Database from 'better-sqlite3';
import { NbprovError } from '../errors.js';
import type { TrialSummary } from '../store/queries.js';
import { assignedInFinishedCell, cellsAssigning, lastVersionId, lastVersionIdInCell, nthVersionId, recordedNames, versionCount } from '../store/versions.js';
import { closestNames } from './edit-distance.js';

/** Which version of a name a command starts from: `NAME` (its last), `NAME@CELL` or `NAME@vN` (its N-th). */
export interface VariableSpec {
  name: string;
  cell?: number;
  version?: number;
}

export interface ResolvedVariable {
  name: string;
  evaluationId: number;
  /** Set when every version of the name comes from cells that raised: the history is partial. */
  warning?: string;
}

/**
 * Parses `NAME`, `NAME@CELL` or `NAME@vN`; throws NBPROV_USAGE for anything else. (A `--version N` flag would clash
 * with the program's own `--version`, which commander reads before any subcommand's options.)
 */
export function parseVariableSpec(text: string): VariableSpec {
  const m = /^([A-Za-z_]\w*)(?:@(?:(\d+)|v(\d+)))?$/.exec(text);
  const unsafe = [m?.[2], m?.[3]].some((n) => n !== undefined && !Number.isSafeInteger(Number(n)));
  if (!m || m[3] === '0' || unsafe) {
    throw new NbprovError('NBPROV_USAGE', `'${text}' is not NAME, NAME@CELL or NAME@vN`, { hint: 'e.g. `nbprov deps accuracy`, `nbprov deps model@6` (its last version in cell 6), `nbprov deps total@v2`' });
  }
  const spec: VariableSpec = { name: m[1] };
  if (m[2] !== undefined) spec.cell = Number(m[2]);
  if (m[3] !== undefined) spec.version = Number(m[3]);
  return spec;
}

/** Refuses trials that hold no variable-level provenance, saying how to record it. */
export function requireVariableCapture(trial: TrialSummary): void {
  if (!trial.nbprov) {
    throw new NbprovError('NBPROV_USAGE', `trial ${trial.sequence} was recorded by noWorkflow itself: it has no nbprov variable versions`, {
      hint: 'record the notebook with `nbprov run NOTEBOOK.ipynb`',
    });
  }
  if (trial.capture === 'cells') {
    throw new NbprovError('NBPROV_USAGE', `trial ${trial.sequence} was recorded with --capture cells: it holds no variable versions`, {
      hint: `re-run with variable capture: \`nbprov run ${trial.notebook} --capture vars\``,
    });
  }
}

/**
 * The evaluation id of the version a spec names. Throws NBPROV_NOT_FOUND (exit 2) with the closest recorded names
 * when the trial never assigned the name, or with the versions that exist when the cell or number is wrong.
 */
export function resolveVariable(db: Database.Database, trial: TrialSummary, spec: VariableSpec): ResolvedVariable {
  // The last version answers a plain NAME and says whether the trial knows the name at all.
  const last = lastVersionId(db, trial.id, spec.name);
  if (last === undefined) throw unknownName(db, trial, spec.name);
  let id: number | undefined = last;
  if (spec.cell !== undefined) {
    id = lastVersionIdInCell(db, trial.id, spec.name, spec.cell);
    if (id === undefined) {
      const cells = [...new Set(cellsAssigning(db, trial.id, spec.name).map((c) => c.cell))];
      throw new NbprovError('NBPROV_NOT_FOUND', `cell ${spec.cell} of trial ${trial.sequence} does not assign '${spec.name}'`, {
        hint: `its versions come from cell${cells.length === 1 ? '' : 's'} ${cells.join(', ')}`,
      });
    }
  } else if (spec.version !== undefined) {
    id = nthVersionId(db, trial.id, spec.name, spec.version);
    if (id === undefined) {
      const count = versionCount(db, trial.id, spec.name);
      throw new NbprovError('NBPROV_NOT_FOUND', `'${spec.name}' has ${count} version${count === 1 ? '' : 's'} in trial ${trial.sequence}, not ${spec.version}`, {
        hint: `pick ${spec.name}@v1 to ${spec.name}@v${count}`,
      });
    }
  }
  return { name: spec.name, evaluationId: id, warning: onlyInFailedCells(db, trial, spec.name) };
}

function onlyInFailedCells(db: Database.Database, trial: TrialSummary, name: string): string | undefined {
  // The usual answer (some version comes from a cell that did not fail) stops at the first such version.
  if (assignedInFinishedCell(db, trial.id, name)) return undefined;
  const rows = cellsAssigning(db, trial.id, name);
  if (rows.length === 0 || rows.some((r) => r.status !== 'error')) return undefined;
  const cells = rows.map((r) => r.cell).join(', ');
  return `'${name}' was only assigned in cell${rows.length === 1 ? '' : 's'} ${cells} of trial ${trial.sequence}, which raised: its history stops where the cell failed`;
}

function unknownName(db: Database.Database, trial: TrialSummary, name: string): NbprovError {
  const names = recordedNames(db, trial.id);
  if (names.length === 0) {
    return new NbprovError('NBPROV_NOT_FOUND', `trial ${trial.sequence} recorded no variables`, { hint: 'its cells assigned nothing, or they failed before any assignment' });
  }
  const close = closestNames(name, names);
  const hint = close.length
    ? `did you mean ${close.map((n) => `'${n}'`).join(' or ')}?`
    : `recorded names include ${names.sort().slice(0, 12).join(', ')}${names.length > 12 ? ', …' : ''}`;
  return new NbprovError('NBPROV_NOT_FOUND', `no variable '${name}' in trial ${trial.sequence}`, { hint });
}
