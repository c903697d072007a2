// Synthetic nbprov databases for the comparison benchmarks, written through nbprov's own openDatabase (so the
// schema and migrations are exactly what `nbprov run` creates) with the row shapes `nbprov run` writes.
//   node bench/gen-trials-db.mjs compare DIR [--trials 10000]      many small trials of a 20-cell notebook
//   node bench/gen-trials-db.mjs diff DIR [--evaluations 100000]   two trials with many evaluations each
// The database lands in DIR/.noworkflow/db.sqlite (DIR must not hold one yet). Deterministic (seeded PRNG).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'src', 'store');
const { openDatabase } = await import(join(dist, 'db.js'));
const { putContent } = await import(join(dist, 'content.js'));
const { saveLineageEdges } = await import(join(dist, 'lineage-edges.js'));

export const NOTEBOOK = 'synthetic.ipynb';
export const CELLS = 20;
const PARAMS = ['seed', 'n_trees', 'learning_rate', 'max_depth', 'test_size'];
const METRICS = { accuracy: 'metric:max', f1: 'metric:max', loss: 'metric:min' };
const STAGES = { 3: 'data-reading', 6: 'feature-engineering', 12: 'model-scoring', 20: 'metrics-evaluation' };
const IMPORTS = ['np', 'pd', 'sk'];

/** Creates the database; returns its path. */
export function generate(kind, dir, opts = {}) {
  const path = join(dir, '.noworkflow', 'db.sqlite');
  if (existsSync(path)) throw new Error(`${path} exists already`);
  const db = openDatabase(path, { create: true });
  db.pragma('synchronous = OFF');
  const writer = new Writer(db, dirname(path));
  if (kind === 'compare') {
    const trials = opts.trials ?? 10_000;
    const random = prng(1);
    db.transaction(() => {
      for (let t = 0; t < trials; t++) writer.trial(t, random, { perCell: 1, edit: t % 7 === 0 });
    })();
  } else if (kind === 'diff') {
    const perCell = Math.ceil((opts.evaluations ?? 100_000) / CELLS);
    const random = prng(2);
    db.transaction(() => {
      writer.trial(0, random, { perCell, edit: false });
      writer.trial(1, random, { perCell, edit: true });
    })();
  } else {
    throw new Error(`unknown kind '${kind}': compare or diff`);
  }
  db.close();
  return path;
}

class Writer {
  #db;
  #dir;
  #st;
  #t0 = Date.UTC(2026, 0, 1);

  constructor(db, dir) {
    this.#db = db;
    this.#dir = dir;
    this.#st = {
      trial: db.prepare(
        `INSERT INTO trial (id, script, start, finish, command, path, status, modules_inherited_from_trial_id, parent_id, main_id, experiment_id, user_id)
         VALUES (?, ?, ?, ?, ?, '/bench', 'finished', NULL, NULL, 1, NULL, NULL)`,
      ),
      nbTrial: db.prepare(
        `INSERT INTO nbprov_trial (trial_id, notebook, notebook_hash, kernel, server_kind, server_url, capture, status, pid, host, cells_total, parameters)
         VALUES (?, ?, ?, 'python3', 'private', 'http://127.0.0.1:1', 'vars', 'finished', 1, 'bench', ?, ?)`,
      ),
      component: db.prepare(
        `INSERT INTO code_component (trial_id, id, name, type, mode, first_char_line, first_char_column, last_char_line, last_char_column, container_id)
         VALUES (?, ?, ?, ?, 'w', ?, 0, ?, 10, ?)`,
      ),
      block: db.prepare("INSERT INTO code_block (id, trial_id, code_hash, docstring) VALUES (?, ?, ?, '')"),
      evaluation: db.prepare('INSERT INTO evaluation (trial_id, id, checkpoint, code_component_id, activation_id, repr) VALUES (?, ?, ?, ?, ?, ?)'),
      activation: db.prepare('INSERT INTO activation (trial_id, id, name, start_checkpoint, code_block_id) VALUES (?, ?, ?, ?, ?)'),
      cell: db.prepare(
        `INSERT INTO nbprov_cell (trial_id, cell_index, cell_id, code_hash, first_line, activation_id, execution_count, status, duration, outputs, error_name, error_value)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'ok', ?, NULL, NULL, NULL)`,
      ),
      value: db.prepare('INSERT INTO nbprov_value (trial_id, evaluation_id, activation_id, name, kind, type, value, summary, iterations) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)'),
      dependency: db.prepare(
        `INSERT INTO dependency (trial_id, id, dependent_activation_id, dependent_id, dependency_activation_id, dependency_id, type, reference, collection_activation_id, collection_id, "key")
         VALUES (?, ?, ?, ?, ?, ?, 'dependency', 0, NULL, NULL, NULL)`,
      ),
      tag: db.prepare('INSERT INTO stage_tags (trial_id, id, name, tag_name, activation_id, variable_name, variable_value) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      env: db.prepare('INSERT INTO environment_attr (trial_id, id, name, value) VALUES (?, ?, ?, ?)'),
      module: db.prepare("INSERT INTO module (trial_id, id, name, version, path, code_block_id, transformed, fullpath) VALUES (?, ?, ?, ?, NULL, NULL, 0, NULL)"),
      file: db.prepare(
        `INSERT INTO file_access (trial_id, id, name, mode, buffering, content_hash_before, content_hash_after, checkpoint, activation_id)
         VALUES (?, ?, ?, 'r', 'default', ?, NULL, 0, ?)`,
      ),
    };
  }

  /** One trial of the 20-cell notebook: `perCell` versions per ordinary cell, each depending on earlier ones. */
  trial(t, random, { perCell, edit }) {
    const st = this.#st;
    const id = uuid(random);
    const start = new Date(this.#t0 + t * 60_000);
    const params = { seed: t % 10, n_trees: 10 + (t % 50) * 10, learning_rate: round(0.01 + random() * 0.3), max_depth: 2 + (t % 8), test_size: [0.2, 0.25, 0.3][t % 3] };
    const injected = t % 2 === 1 ? { n_trees: params.n_trees } : null;
    const sources = cellSources(params, edit);
    const hashes = sources.map((s) => putContent(this.#dir, s));
    st.trial.run(id, NOTEBOOK, stamp(start), stamp(new Date(start.getTime() + 30_000)), `nbprov run ${NOTEBOOK}`);
    st.nbTrial.run(id, NOTEBOOK, hashes[0], CELLS, injected && JSON.stringify(injected));
    st.component.run(id, 1, NOTEBOOK, 'script', 1, 1, null);
    st.block.run(1, id, hashes[0]);
    st.evaluation.run(id, 1, 30, 1, 0, `<notebook ${NOTEBOOK}>`);
    st.activation.run(id, 1, '__main__', 0, 1);
    let next = 2;
    let dep = 0;
    let tagId = 0;
    const last = new Map();
    const versions = [];
    const write = (activation, name, kind, type, value, summary, deps, line = 1) => {
      const e = next++;
      st.component.run(id, e, name, 'name', line, line, activation);
      st.evaluation.run(id, e, 0, e, activation, value === null ? `<${type}>` : JSON.stringify(value));
      st.value.run(id, e, activation, name, kind, type, value === null ? null : JSON.stringify(value), summary && JSON.stringify(summary));
      for (const d of deps) st.dependency.run(id, ++dep, activation, e, d.activation, d.e);
      const version = { e, activation, value };
      last.set(name, version);
      versions.push(version);
      return version;
    };
    for (let c = 1; c <= CELLS; c++) {
      const activation = next++;
      st.component.run(id, activation, `<ipython-input-${c}-${hashes[c].slice(0, 12)}>`, 'cell', 1, 1, 1);
      st.block.run(activation, id, hashes[c]);
      st.evaluation.run(id, activation, c, activation, 1, 'None');
      st.activation.run(id, activation, `<ipython-input-${c}-${hashes[c].slice(0, 12)}>`, c, activation);
      st.cell.run(id, c, `c${c}`, hashes[c], sources[c].split('\n')[0], activation, c, round(0.01 + random() * 0.5));
      const stage = STAGES[c];
      if (stage) st.tag.run(id, ++tagId, `<ipython-input-${c}-${hashes[c].slice(0, 12)}>`, stage, activation, null, null);
      if (c === 1) {
        IMPORTS.forEach((name, i) => write(activation, name, 'import', 'module', null, null, [], i + 1));
      } else if (c === 2) {
        for (const name of PARAMS) write(activation, name, 'assign', typeof params[name] === 'number' && Number.isInteger(params[name]) ? 'int' : 'float', params[name], null, []);
      } else if (c === 3) {
        st.file.run(id, 1, '/data/train.csv', edit ? 'b'.repeat(40) : 'a'.repeat(40), activation);
        write(activation, 'data', 'assign', 'pandas.core.frame.DataFrame', null, { shape: [1000, 20], fp: 'ab12cd34' }, [last.get('pd'), last.get('seed')]);
      } else if (c === CELLS) {
        const inputs = [last.get('model'), last.get('data'), last.get('np')];
        const accuracy = round(0.6 + params.n_trees / 2000 + random() * 0.05);
        write(activation, 'accuracy', 'assign', 'float', accuracy, null, inputs);
        write(activation, 'f1', 'assign', 'float', round(accuracy - 0.03), null, inputs);
        write(activation, 'loss', 'assign', 'float', round(1 - accuracy), null, [last.get('model')]);
      } else {
        // A cell working on its own variable in a loop: a chain of versions, each also reading a random earlier
        // version (possibly from another cell) or a parameter.
        const name = c === 12 ? 'model' : `v${c}`;
        for (let i = 0; i < perCell; i++) {
          const deps = [];
          if (last.has(name)) deps.push(last.get(name));
          if (i === 0 && name === 'model') deps.push(last.get('sk'));
          if (i === 0 || random() < 0.3) deps.push(random() < 0.5 ? last.get(PARAMS[Math.floor(random() * PARAMS.length)]) : versions[Math.floor(random() * versions.length)]);
          write(activation, name, i === 0 ? 'assign' : 'mutate', 'int', i, null, deps);
        }
      }
    }
    for (const [name, kind] of [...PARAMS.map((p) => [p, 'param']), ...Object.entries(METRICS)]) {
      const v = last.get(name);
      st.tag.run(id, ++tagId, name, kind, v.activation, name, JSON.stringify(v.value));
    }
    const env = { python_version: '3.11.2', ipython: '8.5.0', ipykernel: '6.17.0', jupyter_server: '1.23.3', nbprov: '0.1.0', kernel_name: 'python3' };
    Object.entries(env).forEach(([name, value], i) => st.env.run(id, i + 1, name, value));
    [['numpy', '1.24.2'], ['pandas', '1.5.3'], ['sklearn', edit ? '1.3.0' : '1.2.1']].forEach(([name, version], i) => st.module.run(id, i + 1, name, version));
    saveLineageEdges(this.#db, id); // as a finishing run does
  }
}

function cellSources(params, edit) {
  const sources = [`{"cells": "synthetic notebook"}`, 'import numpy as np\nimport pandas as pd\nimport sklearn as sk', Object.entries(params).map(([k, v]) => `${k} = ${v}`).join('\n')];
  for (let c = 3; c <= CELLS; c++) sources.push(c === 12 && edit ? `model = fit(v${c - 1}, n_trees, max_depth=max_depth)\nmodel.tune()` : `v${c} = step_${c}(v${c - 1})\nfor i in range(n):\n    v${c} += i`);
  sources[CELLS] = 'accuracy = score(model, data)\nf1 = f1_score(model, data)\nloss = 1 - accuracy';
  return sources;
}

function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = Math.imul(s ^ (s >>> 15), 1 | s);
    x ^= x + Math.imul(x ^ (x >>> 7), 61 | x);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function uuid(random) {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

const round = (x) => Math.round(x * 1e4) / 1e4;
const pad = (n, w = 2) => String(n).padStart(w, '0');
const stamp = (d) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.000000`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [kind, dir] = process.argv.slice(2);
  if (!kind || !dir) {
    process.stderr.write('usage: node bench/gen-trials-db.mjs compare|diff DIR [--trials N] [--evaluations N]\n');
    process.exit(2);
  }
  const flag = (name) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : undefined);
  const t = performance.now();
  const path = generate(kind, dir, { trials: flag('--trials'), evaluations: flag('--evaluations') });
  process.stdout.write(`${path} written in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
}
