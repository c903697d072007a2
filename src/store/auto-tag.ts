import type Database from 'better-sqlite3';

/**
 * noWorkflow's AUTO tag (major.minor.patch): same code and command as an earlier trial → patch+1;
 * same code only → minor+1; new code → major+1.
 */
export function autoTag(db: Database.Database, script: string, codeHash: string, command: string, excludeTrialId: string): string {
  const rows = db
    .prepare(
      `SELECT tag.name AS tag, code_block.code_hash AS hash, trial.command AS command
       FROM trial JOIN tag ON tag.trial_id = trial.id AND tag.type = 'AUTO'
       LEFT JOIN code_block ON code_block.trial_id = trial.id AND code_block.id = trial.main_id
       WHERE trial.script = ? AND trial.id != ?`,
    )
    .all(script, excludeTrialId) as { tag: string; hash: string | null; command: string }[];
  const parsed = rows
    .map((r) => ({ ...r, v: r.tag.split('.').map(Number) }))
    .filter((r) => r.v.length === 3 && r.v.every(Number.isInteger));
  const sameCode = parsed.filter((r) => r.hash === codeHash);
  if (sameCode.length === 0) return `${Math.max(0, ...parsed.map((r) => r.v[0])) + 1}.1.1`;
  const major = sameCode[0].v[0];
  const sameCommand = sameCode.filter((r) => r.command === command);
  const inMajor = parsed.filter((r) => r.v[0] === major);
  if (sameCommand.length > 0) {
    const minor = sameCommand[0].v[1];
    const patch = Math.max(...inMajor.filter((r) => r.v[1] === minor).map((r) => r.v[2]));
    return `${major}.${minor}.${patch + 1}`;
  }
  return `${major}.${Math.max(...inMajor.map((r) => r.v[1])) + 1}.1`;
}
