import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageFile } from '../package-root.js';
import { processAlive } from '../process-alive.js';

const TEMP_PREFIX = 'nbprov-jupyter-';
const OWNER_FILE = 'nbprov.pid';
const SERVER_CONFIG = packageFile('src/jupyter/server_config.py');
const FORK_PROVISIONER = packageFile('src/jupyter/kernel_fork/provisioner.py');

/** A private server's temp dir: its config (with server_config.py) and runtime files, owned by this process. */
export interface ServerDir {
  base: string;
  configDir: string;
  runtimeDir: string;
}

/** Makes a private server's temp dir, naming this process as its owner so that a later run can tell it is stale. */
export async function makeServerDir(): Promise<ServerDir> {
  const base = await mkdtemp(join(tmpdir(), TEMP_PREFIX));
  await writeFile(join(base, OWNER_FILE), String(process.pid));
  const configDir = join(base, 'config');
  await mkdir(configDir);
  const runtimeDir = join(base, 'runtime');
  await Promise.all([mkdir(join(configDir, 'kernel_fork')), mkdir(runtimeDir, { mode: 0o700 })]);
  await Promise.all([
    copyFile(SERVER_CONFIG, join(configDir, 'jupyter_server_config.py')),
    copyFile(FORK_PROVISIONER, join(configDir, 'kernel_fork', 'provisioner.py')),
    // Jupyter migrates IPython 3's files once per config dir, and ours is new on every run: without this marker
    // each private server copied ~/.ipython's kernel specs into the user's ~/.local/share/jupyter/kernels.
    writeFile(join(configDir, 'migrated'), ''),
  ]);
  return { base, configDir, runtimeDir };
}

/** Removes a server's temp dir; a failure is left for the next run's removeStaleServerDirs. */
export async function removeServerDir(dir: ServerDir): Promise<void> {
  await rm(dir.base, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
}

/**
 * Removes private-server temp dirs whose nbprov process is gone (kill -9 while the server was starting, a server
 * that died before its own clean-up): only this user's, only those naming an owner pid that no longer runs.
 */
export async function removeStaleServerDirs(): Promise<void> {
  let names: string[];
  try {
    names = (await readdir(tmpdir())).filter((n) => n.startsWith(TEMP_PREFIX));
  } catch {
    return;
  }
  await Promise.all(
    names.map(async (name) => {
      const dir = join(tmpdir(), name);
      try {
        const owner = Number(await readFile(join(dir, OWNER_FILE), 'utf8'));
        if (!Number.isInteger(owner) || owner <= 0 || processAlive(owner)) return;
        await rm(dir, { recursive: true, force: true, maxRetries: 3 });
      } catch {
        // another user's, being made right now, or already gone
      }
    }),
  );
}
