import type Database from 'better-sqlite3';

/**
 * Makes `db` look like a database from before migration 9: the later migrations' rows, tables, indexes and columns
 * go, so opening it runs them again as an upgrade does.
 */
export function asBeforeMigration9(db: Database.Database): void {
  db.exec(`DELETE FROM nbprov_migration WHERE id >= 9; DROP TABLE nbprov_sweep_trial; DROP TABLE nbprov_sweep_run; DROP TABLE nbprov_sweep;
    DROP INDEX ix_nbprov_trial_name; DROP INDEX ix_nbprov_trial_name_lookup; ALTER TABLE nbprov_trial DROP COLUMN name`);
}
