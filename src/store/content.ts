import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';

/** Puts bytes into noWorkflow's plain content store (`content/<sha1[:2]>/<sha1[2:]>`); returns the sha1. */
export function putContent(dbDir: string, data: string | Buffer): string {
  const hash = createHash('sha1').update(data).digest('hex');
  const dir = join(dbDir, 'content', hash.slice(0, 2));
  const file = join(dir, hash.slice(2));
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, data);
  }
  return hash;
}
