import { readFileSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { packageFile } from '../package-root.js';

/** One schema step. Ids are dense and ordered; a step never changes once released. */
export interface Migration {
  id: number;
  name: string;
  up(db: Database.Database): void;
}

const NOWORKFLOW_SCHEMA = packageFile('src/store/noworkflow_schema.sql');

export const MIGRATIONS: Migration[] = [
  {
    id: 1,
    name: 'noworkflow-2.1.3-schema',
    up(db) {
      // A database written by noWorkflow itself already has these tables: read it, never rewrite it.
      const hasTrial = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'trial'").get();
      if (!hasTrial) db.exec(readFileSync(NOWORKFLOW_SCHEMA, 'utf8'));
    },
  },
  {
    id: 2,
    name: 'nbprov-trial-and-cell',
    up(db) {
      db.exec(`
        CREATE TABLE nbprov_trial (
          trial_id TEXT PRIMARY KEY REFERENCES trial (id) ON DELETE CASCADE,
          notebook TEXT NOT NULL,
          notebook_hash TEXT NOT NULL,
          kernel TEXT,
          server_kind TEXT,
          server_url TEXT,
          capture TEXT,
          status TEXT NOT NULL,
          error TEXT,
          pid INTEGER,
          host TEXT,
          cells_total INTEGER NOT NULL,
          parameters TEXT,
          recorder_errors INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE nbprov_cell (
          trial_id TEXT NOT NULL REFERENCES trial (id) ON DELETE CASCADE,
          cell_index INTEGER NOT NULL,
          cell_id TEXT,
          code_hash TEXT NOT NULL,
          first_line TEXT NOT NULL,
          activation_id INTEGER,
          execution_count INTEGER,
          status TEXT NOT NULL,
          duration REAL,
          outputs TEXT,
          error_name TEXT,
          error_value TEXT,
          PRIMARY KEY (trial_id, cell_index)
        );
        CREATE TABLE nbprov_value (
          trial_id TEXT NOT NULL REFERENCES trial (id) ON DELETE CASCADE,
          evaluation_id INTEGER NOT NULL,
          activation_id INTEGER NOT NULL,
          name TEXT NOT NULL,
          kind TEXT NOT NULL,
          type TEXT,
          value TEXT,
          summary TEXT,
          iterations INTEGER,
          PRIMARY KEY (trial_id, evaluation_id)
        );
        CREATE INDEX ix_nbprov_value_name ON nbprov_value (trial_id, name);
        CREATE INDEX ix_nbprov_trial_notebook ON nbprov_trial (notebook);
        CREATE INDEX ix_nbprov_cell_code_hash ON nbprov_cell (code_hash);
      `);
    },
  },
  {
    id: 3,
    name: 'lineage-indexes',
    up(db) {
      // `nbprov deps` walks dependency edges one evaluation at a time, both ways; noWorkflow's own indexes are on
      // single columns without trial_id. Covering indexes answer each step from the index alone.
      db.exec(`
        CREATE INDEX ix_nbprov_dependency_dependent ON dependency (trial_id, dependent_id, dependency_id, type);
        CREATE INDEX ix_nbprov_dependency_dependency ON dependency (trial_id, dependency_id, dependent_id, type);
        CREATE INDEX ix_nbprov_value_version ON nbprov_value (trial_id, name, evaluation_id);
        CREATE INDEX ix_nbprov_value_activation ON nbprov_value (trial_id, activation_id, evaluation_id);
        CREATE INDEX ix_nbprov_cell_activation ON nbprov_cell (trial_id, activation_id);
      `);
    },
  },
  {
    id: 4,
    name: 'compare-indexes',
    up(db) {
      // `nbprov compare` reads every trial's tagged values, and `nbprov diff` a trial's imports: partial indexes
      // keep both to the few rows they need instead of scanning stage_tags or the trial's versions.
      db.exec(`
        CREATE INDEX ix_nbprov_stage_tags_variable ON stage_tags (trial_id, variable_name, tag_name, variable_value) WHERE variable_name IS NOT NULL;
        CREATE INDEX ix_nbprov_value_import ON nbprov_value (trial_id, evaluation_id) WHERE kind = 'import';
      `);
    },
  },
  {
    id: 5,
    name: 'cell-status-index',
    up(db) {
      // Every trial selector counts the trial's finished and failed cells: from the index, not the cells' rows.
      db.exec('CREATE INDEX ix_nbprov_cell_status ON nbprov_cell (trial_id, status)');
    },
  },
  {
    id: 6,
    name: 'trial-tag-records',
    up(db) {
      // `list` and `compare` read every trial's tagged variables; aggregating 80,000 stage_tags rows on each call
      // cost 70 ms for 10,000 trials. Triggers keep one JSON record per trial instead, whoever writes stage_tags
      // (a run, a backfilling `tag var`, `untag`), so the record can never go stale.
      db.exec(`CREATE TABLE nbprov_trial_tags (trial_id TEXT PRIMARY KEY, record TEXT NOT NULL); ${tagRecordTriggers(TAG_RECORD_V1)}`);
    },
  },
  {
    id: 7,
    name: 'injected-cell-flag',
    up(db) {
      // The cell nbprov inserts for -p values (papermill's `injected-parameters`) was recognised by its first line,
      // `# Parameters`, which a notebook's own cell may start with too. Older trials keep that guess.
      db.exec(`
        ALTER TABLE nbprov_cell ADD COLUMN injected INTEGER NOT NULL DEFAULT 0;
        UPDATE nbprov_cell SET injected = 1
        WHERE first_line = '# Parameters' AND trial_id IN (SELECT trial_id FROM nbprov_trial WHERE parameters IS NOT NULL);
      `);
    },
  },
  {
    id: 8,
    name: 'packed-lineage',
    up(db) {
      // Each trial's lineage edges packed when it finishes (src/store/lineage-edges.ts). Older trials are not
      // packed here, which could take seconds on a large database: they are read from their rows, as before.
      db.exec('CREATE TABLE nbprov_lineage (trial_id TEXT PRIMARY KEY, offsets BLOB NOT NULL, dependencies BLOB NOT NULL)');
    },
  },
  {
    id: 9,
    name: 'tag-record-reprs',
    up(db) {
      // A tagged value that is a Python repr, not a JSON scalar, was quoted into a JSON string: the tuple (3, 3)
      // and the string '(3, 3)' read the same in list and compare, and a list's repr [1, 2] became an array.
      // A float with an integral value was stored as an integer (1.0 as 1): its repr gives its text back.
      db.exec(`
        DROP TRIGGER nbprov_trial_tags_insert; DROP TRIGGER nbprov_trial_tags_delete; DROP TRIGGER nbprov_trial_tags_update;
        ${INTEGRAL_FLOATS}
        DELETE FROM nbprov_trial_tags;
        ${tagRecordTriggers(TAG_RECORD)}
      `);
    },
  },
  {
    id: 10,
    name: 'sweeps',
    up(db) {
      // A sweep plans its runs before starting any (so --resume knows what is missing after a kill -9); each trial
      // it starts is linked to its run, several per run when --resume re-ran an interrupted one.
      db.exec(`
        CREATE TABLE nbprov_sweep (
          id INTEGER PRIMARY KEY,
          notebook TEXT NOT NULL,
          grid TEXT NOT NULL,
          command TEXT NOT NULL,
          start TEXT NOT NULL,
          finish TEXT,
          status TEXT NOT NULL,
          pid INTEGER,
          host TEXT
        );
        CREATE TABLE nbprov_sweep_run (
          sweep_id INTEGER NOT NULL REFERENCES nbprov_sweep (id) ON DELETE CASCADE,
          position INTEGER NOT NULL,
          repeat INTEGER NOT NULL,
          combination TEXT NOT NULL,
          parameters TEXT NOT NULL,
          output TEXT,
          PRIMARY KEY (sweep_id, position)
        );
        CREATE TABLE nbprov_sweep_trial (
          trial_id TEXT PRIMARY KEY REFERENCES trial (id) ON DELETE CASCADE,
          sweep_id INTEGER NOT NULL,
          position INTEGER NOT NULL,
          FOREIGN KEY (sweep_id, position) REFERENCES nbprov_sweep_run (sweep_id, position) ON DELETE CASCADE
        );
        CREATE INDEX ix_nbprov_sweep_trial_run ON nbprov_sweep_trial (sweep_id, position);
      `);
    },
  },
  {
    id: 11,
    name: 'trial-names',
    up(db) {
      // A trial's name (`run --name`, a sweep's combination, `nbprov name`), unique among the trials of its notebook
      // as nbprov_trial names it; selectors look names up across notebooks, hence the second index. A sweep plans
      // each run's name with the run, so --resume gives a re-run trial the same one.
      db.exec(`
        ALTER TABLE nbprov_trial ADD COLUMN name TEXT;
        CREATE UNIQUE INDEX ix_nbprov_trial_name ON nbprov_trial (notebook, name) WHERE name IS NOT NULL;
        CREATE INDEX ix_nbprov_trial_name_lookup ON nbprov_trial (name) WHERE name IS NOT NULL;
        ALTER TABLE nbprov_sweep_run ADD COLUMN name TEXT;
      `);
    },
  },
];

/**
 * Integral floats that older versions stored as JSON integers, given their Python text (1.0, 1e+16) from the
 * evaluation's repr; then the tags of those versions (a tag holds its variable's final version).
 */
const INTEGRAL_FLOATS = `
  UPDATE nbprov_value SET value = (SELECT e.repr FROM evaluation e WHERE e.trial_id = nbprov_value.trial_id AND e.id = nbprov_value.evaluation_id)
  WHERE type = 'float' AND json_valid(value) AND json_type(value) = 'integer' AND EXISTS (
    SELECT 1 FROM evaluation e WHERE e.trial_id = nbprov_value.trial_id AND e.id = nbprov_value.evaluation_id
    AND json_valid(e.repr) AND json_type(e.repr) = 'real' AND CAST(e.repr AS REAL) = CAST(nbprov_value.value AS REAL));
  UPDATE stage_tags SET variable_value = (
    SELECT v.value FROM nbprov_value v WHERE v.trial_id = stage_tags.trial_id AND v.name = stage_tags.variable_name ORDER BY v.evaluation_id DESC LIMIT 1)
  WHERE variable_name IS NOT NULL AND json_valid(variable_value) AND json_type(variable_value) = 'integer' AND EXISTS (
    SELECT 1 FROM nbprov_value v WHERE v.trial_id = stage_tags.trial_id AND v.name = stage_tags.variable_name
    AND v.evaluation_id = (SELECT MAX(evaluation_id) FROM nbprov_value WHERE trial_id = stage_tags.trial_id AND name = stage_tags.variable_name)
    AND v.type = 'float' AND json_type(v.value) = 'real' AND CAST(v.value AS REAL) = CAST(stage_tags.variable_value AS REAL));`;

/** Fills nbprov_trial_tags and creates the triggers that keep each trial's record exact. */
function tagRecordTriggers(recordOf: string): string {
  const record = (trial: string) => `
    DELETE FROM nbprov_trial_tags WHERE trial_id = ${trial};
    INSERT INTO nbprov_trial_tags (trial_id, record)
      SELECT trial_id, ${recordOf} FROM stage_tags WHERE trial_id = ${trial} AND variable_name IS NOT NULL GROUP BY trial_id;`;
  return `
    INSERT INTO nbprov_trial_tags (trial_id, record)
      SELECT trial_id, ${recordOf} FROM stage_tags WHERE variable_name IS NOT NULL GROUP BY trial_id;
    CREATE TRIGGER nbprov_trial_tags_insert AFTER INSERT ON stage_tags WHEN NEW.variable_name IS NOT NULL
    BEGIN ${record('NEW.trial_id')} END;
    CREATE TRIGGER nbprov_trial_tags_delete AFTER DELETE ON stage_tags WHEN OLD.variable_name IS NOT NULL
    BEGIN ${record('OLD.trial_id')} END;
    CREATE TRIGGER nbprov_trial_tags_update AFTER UPDATE ON stage_tags
    BEGIN ${record('OLD.trial_id')} ${record('NEW.trial_id')} END;`;
}

/**
 * One trial's tagged variables as a JSON array, [trial id, name, tag, value, name, tag, value, ...], aggregated over
 * its stage_tags rows (names sorted: the rows come off migration 4's covering index). Ids are uuids, names Python
 * identifiers and tags nbprov's lowercase names, so none needs escaping. A value is a JSON scalar (an exact number,
 * string, bool or None), or {"repr": text} for the Python repr of anything else, of an integer past 2^53 and of a
 * float with an integral value (1.0, which JSON.parse would make the integer 1).
 */
const TAG_RECORD = `'["' || trial_id || '"' || group_concat(',"' || variable_name || '","' || tag_name || '",' ||
  CASE WHEN variable_value IS NULL THEN 'null'
       WHEN json_valid(variable_value) AND json_type(variable_value) = 'integer' AND abs(CAST(variable_value AS REAL)) > 9007199254740991 THEN json_object('repr', variable_value)
       WHEN json_valid(variable_value) AND json_type(variable_value) = 'real' AND CAST(variable_value AS REAL) = ROUND(CAST(variable_value AS REAL)) THEN json_object('repr', variable_value)
       WHEN json_valid(variable_value) AND json_type(variable_value) NOT IN ('array', 'object') THEN variable_value
       ELSE json_object('repr', variable_value) END, '') || ']'`;

/** Migration 6's record: a repr quoted into a JSON string like a string value. */
const TAG_RECORD_V1 = `'["' || trial_id || '"' || group_concat(',"' || variable_name || '","' || tag_name || '",' ||
  CASE WHEN json_valid(variable_value) THEN variable_value ELSE json_quote(variable_value) END, '') || ']'`;

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].id;
