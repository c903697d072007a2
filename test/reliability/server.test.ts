import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { nbprov, openDb, project, removeProject, waitNoProcesses, whenExists, writeNotebook } from '../helpers/cli.js';

describe('the private server: failures and secrets', () => {
  test('jupyter missing: exit 3 saying what to install', async () => {
    const dir = project('fails.ipynb');
    try {
      const r = await nbprov(['run', 'fails.ipynb', '--jupyter', '/nonexistent/jupyter'], { cwd: dir });
      assert.equal(r.code, 3);
      assert.equal(r.stderr, 'nbprov: jupyter not found at /nonexistent/jupyter\n  hint: install it (apt-get install jupyter-server python3-ipykernel) or pass --jupyter PATH / set NBPROV_JUPYTER\n');
      assert.equal(existsSync(join(dir, '.noworkflow')), false, 'no trial, no database');
    } finally {
      removeProject(dir);
    }
  });

  test('a server that fails to start: exit 3 with its own last log lines', async () => {
    const dir = project('fails.ipynb');
    try {
      const fake = join(dir, 'broken-jupyter');
      writeFileSync(fake, '#!/bin/sh\necho "[E ServerApp] bad config: no such option --frobnicate" >&2\nexit 1\n');
      chmodSync(fake, 0o755);
      const r = await nbprov(['run', 'fails.ipynb', '--jupyter', fake], { cwd: dir });
      assert.equal(r.code, 3);
      assert.match(r.stderr, /^nbprov: the Jupyter server exited during start-up \(code 1\): \[E ServerApp\] bad config: no such option --frobnicate\n/);
      assert.match(r.stderr, /server log \(last lines\):\n {4}\[E ServerApp\] bad config/);
      assert.equal(existsSync(join(dir, '.noworkflow')), false, 'no trial, no database');
    } finally {
      removeProject(dir);
    }
  });

  test('the server starts through server_launch.py under the python its jupyter-server script names, else as that script', async () => {
    const dir = project();
    try {
      // The kernel's parent is the fork server (whose argv names the server's pid) or, launched, the server.
      writeNotebook(dir, 'who.ipynb', [
        `import os
def argv(pid):
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return [os.path.basename(a.decode()) for a in f.read().split(b"\\0")[:4]]
parent = argv(os.getppid())
server = int(parent[3]) if parent[1] == "forkserver.py" else os.getppid()
print(argv(server)[:3])`,
      ]);
      const direct = await nbprov(['run', 'who.ipynb', '-q', '--log-output'], { cwd: dir });
      assert.equal(direct.code, 0, direct.stderr);
      assert.equal(direct.stdout, "[1] ['python3', 'server_launch.py', 'jupyter-server']\n");

      // A #!/bin/sh wrapper (conda's long-path scripts are such) names no python: it runs as it is.
      const bin = join(dir, 'bin');
      mkdirSync(bin);
      writeFileSync(join(bin, 'jupyter'), '#!/bin/sh\nexec /usr/bin/jupyter "$@"\n');
      writeFileSync(join(bin, 'jupyter-server'), '#!/bin/sh\nexec /usr/bin/jupyter-server "$@"\n');
      for (const f of ['jupyter', 'jupyter-server']) chmodSync(join(bin, f), 0o755);
      const wrapped = await nbprov(['run', 'who.ipynb', '-q', '--log-output', '--jupyter', join(bin, 'jupyter')], { cwd: dir });
      assert.equal(wrapped.code, 0, wrapped.stderr);
      assert.equal(wrapped.stdout, "[1] ['python3', 'jupyter-server', '--no-browser']\n");
    } finally {
      removeProject(dir);
    }
  });

  test('a kernel spec in the IPython directory ($IPYTHONDIR/kernels) is found, as jupyter_client finds it', async () => {
    const dir = project();
    try {
      writeNotebook(dir, 'k.ipynb', ['import sys\nprint(sys.executable)']);
      writeKernelSpec(join(dir, 'ipython', 'kernels'), 'legacy-py', ['/usr/bin/python3', '-m', 'ipykernel_launcher', '-f', '{connection_file}']);
      const home = join(dir, 'home');
      mkdirSync(home);
      const r = await nbprov(['run', 'k.ipynb', '--kernel', 'legacy-py', '-q'], { cwd: dir, env: { IPYTHONDIR: join(dir, 'ipython'), HOME: home } });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(existsSync(join(home, '.local')), false, "IPython's kernel specs not migrated into the user's Jupyter data dir");
      const unknown = await nbprov(['run', 'k.ipynb', '--kernel', 'legacy-py', '-q'], { cwd: dir, env: { IPYTHONDIR: join(dir, 'elsewhere'), HOME: home } });
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /^nbprov: unknown kernel 'legacy-py'; the server has: /);
    } finally {
      removeProject(dir);
    }
  });

  test('the private server dies mid-run: exit 3, server-lost, finished cells kept', async () => {
    const dir = project();
    try {
      writeNotebook(dir, 'k.ipynb', ['a = 1', "import time\nopen('ready', 'w').close()\ntime.sleep(30)", 'b = 2']);
      const started = Date.now();
      const r = await nbprov(['run', 'k.ipynb'], {
        cwd: dir,
        onSpawn: (child) =>
          child.on(
            'exit',
            whenExists(join(dir, 'ready'), () => {
              const server = findServer(dir);
              if (!server) return false;
              process.kill(server.pid, 'SIGKILL');
            }),
          ),
      });
      assert.equal(r.code, 3, r.stderr);
      assert.ok(Date.now() - started < 20_000, 'noticed before the cell would have ended');
      assert.match(r.stderr, /^nbprov: the Jupyter server exited unexpectedly \(SIGKILL\)\n/);
      assert.match(r.stderr, /\n {4}server log \(last lines\):\n {4}\[\w [^\]]*ServerApp\]/, 'the server\'s own log tail is shown');
      const db = openDb(dir);
      assert.deepEqual(db.prepare('SELECT status FROM nbprov_trial').get(), { status: 'server-lost' });
      assert.deepEqual(db.prepare('SELECT status FROM nbprov_cell ORDER BY cell_index').all(), [{ status: 'ok' }, { status: 'error' }, { status: 'not-run' }]);
      db.close();
    } finally {
      removeProject(dir);
    }
  });

  test('a kernel that never answers: exit 3 after --startup-timeout, saying what was seen, nothing left running', async () => {
    const dir = project();
    try {
      writeKernelSpec(join(dir, 'share/kernels'), 'mute', ['/usr/bin/python3', '-c', 'import time; time.sleep(600)', '{connection_file}']);
      writeNotebook(dir, 'm.ipynb', ['x = 1']);
      const tmp = join(dir, 'tmp');
      mkdirSync(tmp);
      const r = await nbprov(['run', 'm.ipynb', '--kernel', 'mute', '--startup-timeout', '2'], { cwd: dir, env: { JUPYTER_PATH: join(dir, 'share'), TMPDIR: tmp } });
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /^nbprov: kernel 'mute' started but did not answer within 2 s\n {2}hint: raise --startup-timeout for slow remote kernels\n {4}the kernel's websocket never opened\n/);
      assert.deepEqual(await waitNoProcesses(dir), []);
      const deadline = Date.now() + 5000;
      while (readdirSync(tmp).length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(readdirSync(tmp), [], 'the server removed its temp dir on its way out');
    } finally {
      removeProject(dir);
    }
  });

  test('a kernel whose process exits at once: exit 3 once the server gives up restarting it (~18 s), not after --startup-timeout', async () => {
    const dir = project();
    try {
      writeKernelSpec(join(dir, 'share/kernels'), 'crash', ['/usr/bin/python3', '-c', 'import sys; sys.exit(3)', '{connection_file}']);
      writeNotebook(dir, 'c.ipynb', ['x = 1']);
      const started = Date.now();
      const r = await nbprov(['run', 'c.ipynb', '--kernel', 'crash'], { cwd: dir, env: { JUPYTER_PATH: join(dir, 'share') } });
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /^nbprov: kernel 'crash' died while starting, and the server gave up restarting it\n {2}hint: start the kernel outside nbprov to see why \(its command is in its kernel\.json\)\n {4}the kernel's websocket never opened\n/);
      assert.match(r.stderr, /restarting kernel \(5\/5\)/, 'the server log shows the restarts');
      assert.ok(Date.now() - started < 40_000, `took ${Date.now() - started} ms`);
      assert.deepEqual(await waitNoProcesses(dir), []);
    } finally {
      removeProject(dir);
    }
  });

  test('a kernel that cannot load the collector: exit 3 with what it raised, no trial, nothing left running', async () => {
    const dir = project();
    try {
      const argv = ['/usr/bin/python3', '-m', 'ipykernel_launcher', '-f', '{connection_file}', '--IPKernelApp.exec_lines=["import sys; sys.modules[\'json\'] = None"]'];
      writeKernelSpec(join(dir, 'share/kernels'), 'broken', argv);
      writeNotebook(dir, 'b.ipynb', ["open('ran', 'w').close()"]);
      const r = await nbprov(['run', 'b.ipynb', '--kernel', 'broken'], { cwd: dir, env: { JUPYTER_PATH: join(dir, 'share') } });
      assert.equal(r.code, 3, r.stderr);
      assert.equal(r.stderr, "nbprov: the kernel could not load nbprov's collector: ModuleNotFoundError: import of json halted; None in sys.modules\n  hint: the kernel must be an IPython kernel (python3)\n");
      assert.equal(existsSync(join(dir, 'ran')), false, 'no cell ran');
      assert.equal(existsSync(join(dir, '.noworkflow')), false, 'no trial');
      assert.deepEqual(await waitNoProcesses(dir), []);
    } finally {
      removeProject(dir);
    }
  });

  test('kernels reach the server over Unix sockets in its private runtime dir: no TCP ports to race for', async () => {
    const dir = project();
    try {
      writeNotebook(dir, 'c.ipynb', ["import ipykernel, json\ninfo = json.load(open(ipykernel.get_connection_file()))\nprint(info['transport'], info['ip'].startswith('/tmp/nbprov-jupyter-'))"]);
      const r = await nbprov(['run', 'c.ipynb', '-o', 'out.ipynb', '-q'], { cwd: dir, env: { TMPDIR: '/tmp' } });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(readFileSync(join(dir, 'out.ipynb'), 'utf8')).cells[0].outputs[0].text, ['ipc True\n']);
    } finally {
      removeProject(dir);
    }
  });

  test('the token is never on argv, in output, the database or the executed notebook; the server binds 127.0.0.1', async () => {
    const dir = project();
    try {
      writeNotebook(dir, 't.ipynb', ["import os, time\nopen('ready', 'w').close()\ntime.sleep(3)", 'x = 1']);
      let server: { pid: number; cmdline: string; token: string } | undefined;
      const r = await nbprov(['run', 't.ipynb', '-o', 'out.ipynb'], {
        cwd: dir,
        onSpawn: (child) => child.on('exit', whenExists(join(dir, 'ready'), () => Boolean((server = findServer(dir))))),
      });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(server, 'found the private server while it ran');
      assert.match(server.token, /^[0-9a-f]{48}$/);
      assert.match(server.cmdline, /--ip=127\.0\.0\.1/);
      assert.ok(!server.cmdline.includes(server.token), 'not on argv');
      const everything = [r.stdout, r.stderr, readFileSync(join(dir, 'out.ipynb'), 'utf8'), dumpDatabase(dir)].join('\n');
      assert.ok(!everything.includes(server.token));
    } finally {
      removeProject(dir);
    }
  });
});

/** Writes the kernel spec `name` (a python kernel started by `argv`) into the kernels directory `kernels`. */
function writeKernelSpec(kernels: string, name: string, argv: string[]): void {
  mkdirSync(join(kernels, name), { recursive: true });
  writeFileSync(join(kernels, name, 'kernel.json'), JSON.stringify({ argv, display_name: name, language: 'python' }));
}

/** The jupyter-server process serving `dir`, with its command line and the token from its environment. */
function findServer(dir: string): { pid: number; cmdline: string; token: string } | undefined {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (!cmdline.includes('jupyter') || !cmdline.includes(`--ServerApp.root_dir=${dir}`) || readlinkSync(`/proc/${pid}/cwd`) !== dir) continue;
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      const token = env.find((e) => e.startsWith('JUPYTER_TOKEN='))?.slice('JUPYTER_TOKEN='.length);
      if (token) return { pid: Number(pid), cmdline, token };
    } catch {
      /* gone */
    }
  }
  return undefined;
}

function dumpDatabase(dir: string): string {
  const db = openDb(dir);
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
    return tables.map((t) => JSON.stringify(db.prepare(`SELECT * FROM "${t}"`).all())).join('\n');
  } finally {
    db.close();
  }
}
