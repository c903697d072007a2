import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A separately started Jupyter server (the "remote" one), with its own temp dirs and random token. */
export interface TestServer {
  url: string;
  token: string;
  root: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  /** Address to bind (default 127.0.0.1). */
  ip?: string;
  /** Own process group, so a test can SIGKILL the server with everything in its group (`-pid`). */
  ownProcessGroup?: boolean;
  /** More command-line options for `jupyter server`. */
  args?: string[];
}

export async function startJupyterServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const base = mkdtempSync(join(tmpdir(), 'nbprov-remote-'));
  const token = randomUUID();
  const port = await freePort(ip);
  // Kernels on Unix sockets, as the private server's: TCP ports picked by jupyter_client race with the kernels that
  // other test files start at the same moment, and a kernel that loses one stalls its start for 60 s.
  const args = ['server', '--no-browser', `--ip=${ip}`, `--port=${port}`, '--port-retries=0', `--ServerApp.root_dir=${base}`, '--KernelManager.transport=ipc'];
  if (process.getuid?.() === 0) args.push('--allow-root');
  args.push(...(opts.args ?? []));
  const child = spawn('/usr/bin/jupyter', args, {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, JUPYTER_TOKEN: token, JUPYTER_RUNTIME_DIR: join(base, '.rt'), JUPYTER_CONFIG_DIR: join(base, '.cfg'), PYDEVD_DISABLE_FILE_VALIDATION: '1' },
    stdio: 'ignore',
    detached: opts.ownProcessGroup === true,
  });
  const exited = new Promise((r) => child.once('exit', r));
  const url = `http://${ip.includes(':') ? `[${ip}]` : ip}:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const r = await fetch(`${url}/api/kernelspecs`, { headers: { Authorization: `token ${token}` } });
      if (r.status === 200) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error('test Jupyter server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    token,
    root: base,
    port,
    process: child,
    async stop() {
      // A test may already have killed it: then there is no exit event left to wait for.
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** A port nobody listens on right now, on `ip`. */
export function freePort(ip = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, ip, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
