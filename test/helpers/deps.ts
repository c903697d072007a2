import assert from 'node:assert/strict';
import { nbprov } from './cli.js';

/** `nbprov deps --json` as the lineage tests read it. */
export interface DepsJson {
  nodes: { id: number; name: string; version: number; kind: string; type?: string | null }[];
  edges: { dependent: number; dependency: number; type: string }[];
}

/** What `nbprov deps ARGS` prints in `dir`; a non-zero exit fails the test. */
export async function depsText(dir: string, ...args: string[]): Promise<string> {
  const r = await nbprov(['deps', ...args], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

/** `nbprov deps NAME ARGS --json` in `dir`, parsed. */
export async function depsJson(dir: string, name: string, ...args: string[]): Promise<DepsJson> {
  return JSON.parse(await depsText(dir, name, ...args, '--json')) as DepsJson;
}

/** The names in the upstream of NAME's last version, NAME's own included, sorted. */
export async function ancestorNames(dir: string, name: string): Promise<string[]> {
  return [...new Set((await depsJson(dir, name)).nodes.map((n) => n.name))].sort();
}
