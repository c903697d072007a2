import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { nbprov, processesUsing, project, removeProject, waitNoProcesses, query } from './helpers/cli.js';
import { startJupyterServer } from './helpers/jupyter.js';

/**
 * A quick notebook for sweeps: parameters x, y, pause; a cell that raises when x == 99 (a failing combination);
 * score = x * 10 + y, tagged metric:max.
 */
function writeSweepNotebook(dir: string): void {
  const sources = [
    'x = 1\ny = 0\npause = 0.0\nseed = 0',
    'import time\ntime.sleep(pause)',
    'if x == 99:\n    raise ValueError("bad x")',
    'score = x * 10 + y + seed / 100  # nbprov: metric:max',
  ];
  const cells = sources.map((source, i) => ({ cell_type: 'code', execution_count: null, id: `c${i + 1}`, metadata: i === 0 ? { tags: ['parameters'] } : {}, outputs: [], source }));
  writeFileSync(join(dir, 'sweep.ipynb'), JSON.stringify({ cells, metadata: { kernelspec: { display_name: 'Python 3', name: 'python3' } }, nbformat: 4, nbformat_minor: 5 }));
}

/** Each run of the sweep: its combination and its newest trial's status and score. */
function sweepRows(dir: string, sweep = 1) {
  return query<{ position: number; combination: string; status: string; score: string | null }>(dir, `
    SELECT r.position, r.combination, n.status,
           (SELECT v.value FROM nbprov_value v WHERE v.trial_id = n.trial_id AND v.name = 'score' ORDER BY v.evaluation_id DESC LIMIT 1) AS score
    FROM nbprov_sweep_run r
    JOIN nbprov_sweep_trial s ON s.sweep_id = r.sweep_id AND s.position = r.position
    JOIN nbprov_trial n ON n.trial_id = s.trial_id
    JOIN trial t ON t.id = s.trial_id
    WHERE r.sweep_id = ? AND t.sequence_key = (SELECT MAX(t2.sequence_key) FROM nbprov_sweep_trial s2 JOIN trial t2 ON t2.id = s2.trial_id WHERE s2.sweep_id = r.sweep_id AND s2.position = r.position)
    ORDER BY r.position`, sweep);
}

describe('nbprov sweep', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach(removeProject));
  const sweepProject = () => {
    const dir = project();
    writeSweepNotebook(dir);
    dirs.push(dir);
    return dir;
  };

  test('a 2×2 grid on the wine notebook: one trial per combination, each with the accuracy it gets when run alone', async () => {
    const dir = project('wine.ipynb');
    dirs.push(dir);
    const r = await nbprov(['sweep', 'wine.ipynb', '-p', 'n_trees', '3,20', '-p', 'test_size', '0.25,0.5', '--jobs', '2'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^sweep 1 finished: 4 trials run, 4 finished, [\d.]+ s \([\d.]+ trials\/min\)$/m);
    const accuracy = (trial: string) =>
      query<{ value: string }>(dir, "SELECT v.value FROM nbprov_value v WHERE v.trial_id = ? AND v.name = 'accuracy' ORDER BY v.evaluation_id DESC LIMIT 1", trial)[0].value;
    const swept = query<{ combination: string; trial_id: string }>(dir, 'SELECT r.combination, s.trial_id FROM nbprov_sweep_run r JOIN nbprov_sweep_trial s USING (sweep_id, position) ORDER BY r.position');
    assert.deepEqual(swept.map((s) => s.combination), ['{"n_trees":"3","test_size":"0.25"}', '{"n_trees":"3","test_size":"0.5"}', '{"n_trees":"20","test_size":"0.25"}', '{"n_trees":"20","test_size":"0.5"}']);
    for (const [position, args] of [[0, ['3', '0.25']], [3, ['20', '0.5']]] as const) {
      const alone = await nbprov(['run', 'wine.ipynb', '-q', '-p', 'n_trees', args[0], '-p', 'test_size', args[1], '--json'], { cwd: dir });
      assert.equal(alone.code, 0, alone.stderr);
      assert.equal(accuracy(swept[position].trial_id), accuracy(JSON.parse(alone.stdout).trialId));
    }
    const params = query<{ injected: string }>(dir, 'SELECT n.parameters AS injected FROM nbprov_sweep_trial s JOIN nbprov_trial n USING (trial_id) ORDER BY s.position');
    assert.deepEqual(params.map((p) => p.injected), ['{"n_trees":3,"test_size":0.25}', '{"n_trees":3,"test_size":0.5}', '{"n_trees":20,"test_size":0.25}', '{"n_trees":20,"test_size":0.5}']);
    const list = await nbprov(['list', '--sweep', 'last'], { cwd: dir });
    assert.equal(list.stdout.trim().split('\n').length, 5, list.stdout);
    assert.deepEqual(await waitNoProcesses(dir), []);
  });

  test('--zip pairs the lists; -o names each executed notebook from its values; --json carries every run', async () => {
    const dir = sweepProject();
    const r = await nbprov(['sweep', 'sweep.ipynb', '-p', 'x', '1,2', '-p', 'y', '5,6', '--zip', '-o', 'out-{x}-{y}.ipynb', '--json', '--jobs', '2'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.trials.map((t: { combination: unknown; status: string; output: string }) => [t.combination, t.status, t.output]), [
      [{ x: '1', y: '5' }, 'finished', 'out-1-5.ipynb'],
      [{ x: '2', y: '6' }, 'finished', 'out-2-6.ipynb'],
    ]);
    assert.deepEqual(sweepRows(dir).map((s) => s.score), ['15.0', '26.0']);
    const executed = JSON.parse(readFileSync(join(dir, 'out-2-6.ipynb'), 'utf8'));
    assert.ok(executed.cells.some((c: { metadata: { tags?: string[] }; source: string }) => c.metadata.tags?.includes('injected-parameters') && /x = 2\ny = 6/.test([c.source].flat().join(''))));
  });

  test('-f with a list of mappings, each repeated with --repeat and numbered by --seed-param', async () => {
    const dir = sweepProject();
    writeFileSync(join(dir, 'grid.yaml'), '- {x: 1}\n- {x: 3, y: 2}\n');
    const r = await nbprov(['sweep', 'sweep.ipynb', '-f', 'grid.yaml', '--repeat', '2', '--seed-param', 'seed', '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.deepEqual(sweepRows(dir).map((s) => [s.combination, s.score]), [
      ['{"x":1,"seed":0}', '10.0'], ['{"x":1,"seed":1}', '10.01'], ['{"x":3,"y":2,"seed":0}', '32.0'], ['{"x":3,"y":2,"seed":1}', '32.01'],
    ]);
  });

  test('a failing combination does not stop the others: exit 1, its trial failed, the rest finished', async () => {
    const dir = sweepProject();
    const r = await nbprov(['sweep', 'sweep.ipynb', '-p', 'x', '1,99,3', '--jobs', '2'], { cwd: dir });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^x=99: nbprov: cell 4 raised ValueError: bad x$/m);
    assert.doesNotMatch(r.stderr, /never assigned/, 'the failure says why score is missing');
    assert.deepEqual(sweepRows(dir).map((s) => [s.combination, s.status]), [['{"x":"1"}', 'finished'], ['{"x":"99"}', 'failed'], ['{"x":"3"}', 'finished']]);
    assert.match(r.stdout, /^sweep 1 failed: 3 trials run, 2 finished, 1 failed, /m);
    const fast = await nbprov(['sweep', 'sweep.ipynb', '-p', 'x', '99,1,3', '--jobs', '1', '--fail-fast', '-q'], { cwd: dir });
    assert.equal(fast.code, 1, fast.stderr);
    assert.deepEqual(sweepRows(dir, 2).map((s) => [s.combination, s.status]), [['{"x":"99"}', 'failed']]);
    assert.deepEqual(query(dir, 'SELECT status FROM nbprov_sweep WHERE id = 2'), [{ status: 'failed' }]);
  });

  test('bad grids are refused before anything starts, with exit 2 and a one-line reason', async () => {
    const dir = sweepProject();
    writeFileSync(join(dir, 'grid.yaml'), 'x: [1, two]\n');
    const cases: [string[], RegExp][] = [
      [['-p', 'depth', '1,2'], /^nbprov: parameter 'depth' is not assigned in the parameters cell \(cell 1\)\n  hint: known parameters: x, y, pause, seed\n$/],
      [
        ['-p', 'depth', '1,2', '--inject-after', '3'],
        /^nbprov: parameter 'depth' is not assigned anywhere in sweep.ipynb\n  hint: cell 3 assigns no variable: tag the cell that assigns the defaults \(nbprov tag cell N parameters\) or pass --inject-after N\n$/,
      ],
      [['-p', 'x', '1,abc'], /^nbprov: -p x: expected an int like the default 1, got 'abc'\n/],
      [['-f', 'grid.yaml'], /^nbprov: -f grid.yaml: x: expected an int like the default 1, got "two"\n  hint: in grid.yaml, write an int, e.g. x: 1\n$/],
      [['-p', 'x', '1,2', '-p', 'y', '1', '--zip'], /^nbprov: --zip needs lists of one length; got x: 2, y: 1$/m],
      [['-p', 'x', '1,2', '-o', 'out.ipynb'], /^nbprov: -o out.ipynb: runs 1 and 2 would both write out.ipynb$/m],
      [['-p', 'x', '1', '-p', 'x', '2'], /^nbprov: x is given twice$/m],
      [['--resume', '-p', 'x', '1'], /^nbprov: --resume runs the sweep as it was planned: NOTEBOOK, -p cannot change it$/m],
    ];
    for (const [args, message] of cases) {
      const r = await nbprov(['sweep', 'sweep.ipynb', ...args], { cwd: dir });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
    }
    assert.equal(existsSync(join(dir, '.noworkflow')), false, 'nothing was created');
  });

  test('a notebook without a parameters cell is refused, and swept with --inject-after', async () => {
    const dir = sweepProject();
    const nb = JSON.parse(readFileSync(join(dir, 'sweep.ipynb'), 'utf8'));
    nb.cells[0].metadata = {};
    writeFileSync(join(dir, 'sweep.ipynb'), JSON.stringify(nb));
    const refused = await nbprov(['sweep', 'sweep.ipynb', '-p', 'x', '1,2'], { cwd: dir });
    assert.equal(refused.code, 2);
    assert.equal(refused.stderr, "nbprov: sweep.ipynb has no cell tagged 'parameters' to inject the values after\n  hint: tag the cell holding the defaults: nbprov tag cell N parameters (or pass --inject-after N)\n");
    const swept = await nbprov(['sweep', 'sweep.ipynb', '-p', 'x', '1,2', '--inject-after', '1', '-q'], { cwd: dir });
    assert.equal(swept.code, 0, swept.stderr);
    assert.deepEqual(sweepRows(dir).map((s) => s.score), ['10.0', '20.0']);
    assert.deepEqual(query(dir, 'SELECT grid FROM nbprov_sweep'), [{ grid: '{"parameters":{"x":["1","2"]},"zip":false,"repeat":1,"injectAfter":"1"}' }]);
  });

  test('--resume after a kill -9 half-way runs only the runs without a finished trial, and the sweep ends complete', async () => {
    const dir = sweepProject();
    const killed = await nbprov(['sweep', 'sweep.ipynb', '-p', 'x', '1,2,3,4', '-p', 'pause', '0.8', '--jobs', '1'], {
      cwd: dir,
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (!existsSync(join(dir, '.noworkflow/db.sqlite'))) return;
          const done = query<{ n: number }>(dir, "SELECT COUNT(*) AS n FROM nbprov_trial WHERE status = 'finished'")[0].n;
          if (done >= 2) {
            clearInterval(poll);
            child.kill('SIGKILL');
          }
        }, 50);
      },
    });
    assert.equal(killed.signal, 'SIGKILL');
    assert.deepEqual(await waitNoProcesses(dir, 10_000), [], 'the private server and its kernels stop when nbprov dies');
    const before = sweepRows(dir).filter((s) => s.status === 'finished').length;
    assert.ok(before >= 2 && before < 4, `${before} finished before the kill`);
    const resumed = await nbprov(['sweep', '--resume'], { cwd: dir });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, new RegExp(`^sweep 1 finished: ${4 - before} trials run \\(resumed: ${before} of its 4 were done before\\)`, 'm'));
    assert.deepEqual(sweepRows(dir).map((s) => [s.combination, s.status, s.score]), [
      ['{"x":"1","pause":"0.8"}', 'finished', '10.0'], ['{"x":"2","pause":"0.8"}', 'finished', '20.0'],
      ['{"x":"3","pause":"0.8"}', 'finished', '30.0'], ['{"x":"4","pause":"0.8"}', 'finished', '40.0'],
    ]);
    assert.deepEqual(query(dir, 'SELECT status FROM nbprov_sweep'), [{ status: 'finished' }]);
    const again = await nbprov(['sweep', '--resume', 'last'], { cwd: dir });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /^nbprov: sweep 1 has nothing left to run/);
  });

  test('Ctrl-C interrupts the running trials, marks them and the sweep interrupted, exits 130 and leaves no process', async () => {
    const dir = sweepProject();
    const r = await nbprov(['sweep', 'sweep.ipynb', '-p', 'x', '1,2,3,4', '-p', 'pause', '30', '--jobs', '2'], {
      cwd: dir,
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (!existsSync(join(dir, '.noworkflow/db.sqlite'))) return;
          if (query<{ n: number }>(dir, 'SELECT COUNT(*) AS n FROM nbprov_sweep_trial')[0].n >= 2) {
            clearInterval(poll);
            setTimeout(() => child.kill('SIGINT'), 300);
          }
        }, 50);
      },
      killAfterMs: 40_000,
    });
    assert.equal(r.code, 130, r.stderr);
    assert.deepEqual(sweepRows(dir).map((s) => s.status), ['interrupted', 'interrupted']);
    assert.deepEqual(query(dir, 'SELECT status FROM nbprov_sweep'), [{ status: 'interrupted' }]);
    assert.deepEqual(await waitNoProcesses(dir), []);
  });

  test('on a remote server that refuses a fourth kernel, --jobs 3 queues for room instead of failing', async () => {
    const dir = sweepProject();
    const config = join(dir, 'limit_config.py');
    writeFileSync(config, [
      'from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager',
      'from tornado import web',
      'class Limited(AsyncMappingKernelManager):',
      '    async def start_kernel(self, **kwargs):',
      '        if len(self.list_kernel_ids()) >= 3:',
      '            raise web.HTTPError(403, "kernel limit reached")',
      '        return await super().start_kernel(**kwargs)',
      'c.ServerApp.kernel_manager_class = Limited',
    ].join('\n'));
    const server = await startJupyterServer({ args: [`--config=${config}`] });
    try {
      const r = await nbprov(['sweep', 'sweep.ipynb', '-p', 'x', '1,2,3,4,5', '-p', 'pause', '0.3', '--jobs', '3', '--server', server.url, '-q'], { cwd: dir, env: { JUPYTER_TOKEN: server.token } });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(sweepRows(dir).map((s) => [s.status, s.score]), [['finished', '10.0'], ['finished', '20.0'], ['finished', '30.0'], ['finished', '40.0'], ['finished', '50.0']]);
      const left = await fetch(`${server.url}/api/kernels`, { headers: { Authorization: `token ${server.token}` } }).then((res) => res.json());
      assert.deepEqual(left, [], 'every kernel of the sweep was shut down');
    } finally {
      await server.stop();
    }
    assert.deepEqual(processesUsing(dir), []);
  });

  test('--kernel-env sends KERNEL_* variables in the kernel start request, as a gateway reads them; values stay out of the record', async () => {
    const dir = sweepProject();
    writeFileSync(join(dir, 'env.ipynb'), JSON.stringify({
      cells: [{ cell_type: 'code', execution_count: null, id: 'e1', metadata: {}, outputs: [], source: "import os\nprint(os.environ.get('KERNEL_NAMESPACE'), os.environ.get('KERNEL_API_TOKEN'))" }],
      metadata: { kernelspec: { display_name: 'Python 3', name: 'python3' } }, nbformat: 4, nbformat_minor: 5,
    }));
    // Jupyter Server ignores `env` in POST api/kernels; Enterprise Gateway passes its KERNEL_* entries to the kernel.
    const config = join(dir, 'gateway_like_config.py');
    writeFileSync(config, [
      'import os',
      'from jupyter_server.services.kernels import handlers',
      'from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager',
      'class GatewayLike(AsyncMappingKernelManager):',
      '    requested_env = {}',
      '    async def start_kernel(self, **kwargs):',
      '        return await super().start_kernel(env={**os.environ, **GatewayLike.requested_env}, **kwargs)',
      'start_request = handlers.MainKernelHandler.post',
      'async def post(self):',
      '    body = self.get_json_body() or {}',
      '    GatewayLike.requested_env = {k: v for k, v in (body.get("env") or {}).items() if k.startswith("KERNEL_")}',
      '    return await start_request(self)',
      'handlers.MainKernelHandler.post = post',
      'c.ServerApp.kernel_manager_class = GatewayLike',
    ].join('\n'));
    const server = await startJupyterServer({ args: [`--config=${config}`] });
    try {
      const r = await nbprov(['run', 'env.ipynb', '--server', server.url, '--kernel-env', 'KERNEL_NAMESPACE=ml', '--kernel-env=KERNEL_API_TOKEN=s3cr3t-v4lue', '-o', 'out.ipynb', '-q'], { cwd: dir, env: { JUPYTER_TOKEN: server.token } });
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(readFileSync(join(dir, 'out.ipynb'), 'utf8'));
      assert.deepEqual(out.cells[0].outputs[0].text, ['ml <redacted>\n']); // a secret-named variable's value, masked by the kernel
      const [{ command }] = query<{ command: string }>(dir, 'SELECT command FROM trial');
      assert.match(command, /--kernel-env KERNEL_NAMESPACE=<redacted> --kernel-env=KERNEL_API_TOKEN=<redacted>/);
      const bad = await nbprov(['run', 'env.ipynb', '--server', server.url, '--kernel-env', 'PATH=/tmp'], { cwd: dir, env: { JUPYTER_TOKEN: server.token } });
      assert.equal(bad.code, 2);
      assert.equal(bad.stderr, 'nbprov: --kernel-env PATH: only KERNEL_* variables reach the kernel\n  hint: e.g. --kernel-env KERNEL_NAMESPACE=ml\n');
    } finally {
      await server.stop();
    }
  });
});
