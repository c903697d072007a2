// A synthetic trial for timing `nbprov deps`: 10^6 evaluations and 2·10^6 dependencies, written through nbprov's
// own openDatabase (schema and migrations exactly as `nbprov run` creates them) with the row shapes it writes.
//   node bench/gen-lineage-db.mjs DIR [--evaluations 1000000] [--lanes 100]
// The database lands in DIR/.noworkflow/db.sqlite (DIR must not hold one yet). Deterministic (seeded PRNG).
//
// Shape: 10^4 cells of ~100 versions each. Versions are dealt round-robin to `lanes` independent pipelines; each
// depends on the previous version of its lane and on one random recent version of it (a tenth of them as control
// dependencies), and lanes other than 0 get the extra edges that bring the total to 2 per evaluation. So the last
// version of lane 0 (`lane0_*`) has an ancestry 10^4 versions deep that crosses every cell, while the rest of the
// database is the haystack an answer must not read.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'src', 'store');
const { openDatabase } = await import(join(dist, 'db.js'));

export const TRIAL_ID = '00000000-0000-4000-8000-00000000d395';
const NOTEBOOK = 'lineage-bench.ipynb';
const PER_CELL = 100;
const NAMES_PER_LANE = 5;
const STAGES = ['data-reading', 'feature-engineering', 'model-scoring', 'metrics-evaluation'];

/** Creates the database; returns its path and the name whose last version has the deepest ancestry. */
export function generate(dir, { evaluations = 1_000_000, lanes = 100 } = {}) {
  const path = join(dir, '.noworkflow', 'db.sqlite');
  if (existsSync(path)) throw new Error(`${path} exists already`);
  const db = openDatabase(path, { create: true });
  db.pragma('synchronous = OFF');
  const random = prng(6);
  const st = statements(db);
  const cells = Math.ceil(evaluations / PER_CELL);
  const laneLast = new Array(lanes).fill(0);
  const laneHistory = Array.from({ length: lanes }, () => []);
  let id = 1;
  let deps = 0;
  let step = 0;
  const versions = evaluations - cells;
  let extras = 2 * evaluations - 2 * (versions - lanes);
  const lastOfLane0 = { name: '', id: 0 };
  db.transaction(() => {
    st.trial.run(TRIAL_ID, NOTEBOOK, '2026-01-01 00:00:00.000000', '2026-01-01 00:10:00.000000', `nbprov run ${NOTEBOOK}`);
    st.nbTrial.run(TRIAL_ID, NOTEBOOK, cells);
  })();
  for (let cell = 1; cell <= cells; cell++) {
    db.transaction(() => {
      const activation = id++;
      st.component.run(TRIAL_ID, activation, `<ipython-input-${cell}>`, 'cell', 'w', 1, 0, PER_CELL, 0, 1);
      st.evaluation.run(TRIAL_ID, activation, cell, activation, 1, 'None');
      st.activation.run(TRIAL_ID, activation, `<ipython-input-${cell}>`, cell, activation);
      st.cell.run(TRIAL_ID, cell, `c${cell}`, hash(cell), `# cell ${cell}`, activation, cell);
      if (cell % 50 === 0) st.stage.run(TRIAL_ID, cell, `<ipython-input-${cell}>`, STAGES[Math.floor((cell / cells) * STAGES.length) % STAGES.length], activation);
      for (let line = 1; line < PER_CELL && id <= evaluations; line++, step++) {
        const lane = step % lanes;
        const name = `lane${lane}_${Math.floor(step / lanes) % NAMES_PER_LANE}`;
        const me = id++;
        const value = Math.floor(random() * 1000);
        st.component.run(TRIAL_ID, me, name, 'name', 'w', line, 0, line, name.length, activation);
        st.evaluation.run(TRIAL_ID, me, cell + line / PER_CELL, me, activation, String(value));
        st.value.run(TRIAL_ID, me, activation, name, 'assign', 'int', String(value));
        const history = laneHistory[lane];
        if (laneLast[lane]) {
          st.dependency.run(TRIAL_ID, ++deps, activation, me, activationOf(laneLast[lane]), laneLast[lane], 'dependency');
          const back = history[Math.floor(random() * history.length)];
          st.dependency.run(TRIAL_ID, ++deps, activation, me, activationOf(back), back, random() < 0.1 ? 'condition' : 'dependency');
          // Top up to 2 edges per evaluation (activations and lane starts have none) away from lane 0.
          if (lane !== 0 && extras > 0 && step % 3 === 0) {
            extras--;
            const extra = history[Math.floor(random() * history.length)];
            st.dependency.run(TRIAL_ID, ++deps, activation, me, activationOf(extra), extra, 'dependency');
          }
        }
        history.push(me);
        if (history.length > 50) history.shift();
        laneLast[lane] = me;
        if (lane === 0) Object.assign(lastOfLane0, { name, id: me });
      }
    })();
  }
  db.close();
  return { path, evaluations: id - 1, dependencies: deps, deep: lastOfLane0.name };
}

// The activation of an evaluation id: cells are laid out PER_CELL ids apart, the activation first.
function activationOf(evaluationId) {
  return Math.floor((evaluationId - 1) / PER_CELL) * PER_CELL + 1;
}

function statements(db) {
  return {
    trial: db.prepare(
      `INSERT INTO trial (id, script, start, finish, command, path, status, modules_inherited_from_trial_id, parent_id, main_id, experiment_id, user_id)
       VALUES (?, ?, ?, ?, ?, '/bench', 'finished', NULL, NULL, 1, NULL, NULL)`,
    ),
    nbTrial: db.prepare(
      `INSERT INTO nbprov_trial (trial_id, notebook, notebook_hash, kernel, server_kind, server_url, capture, status, pid, host, cells_total, parameters)
       VALUES (?, ?, 'bench', 'python3', 'private', NULL, 'vars', 'finished', NULL, NULL, ?, NULL)`,
    ),
    component: db.prepare(
      `INSERT INTO code_component (trial_id, id, name, type, mode, first_char_line, first_char_column, last_char_line, last_char_column, container_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    evaluation: db.prepare('INSERT INTO evaluation (trial_id, id, checkpoint, code_component_id, activation_id, repr) VALUES (?, ?, ?, ?, ?, ?)'),
    activation: db.prepare('INSERT INTO activation (trial_id, id, name, start_checkpoint, code_block_id) VALUES (?, ?, ?, ?, ?)'),
    cell: db.prepare(
      `INSERT INTO nbprov_cell (trial_id, cell_index, cell_id, code_hash, first_line, activation_id, execution_count, status, duration, outputs, error_name, error_value)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'ok', 0.001, NULL, NULL, NULL)`,
    ),
    stage: db.prepare('INSERT INTO stage_tags (trial_id, id, name, tag_name, activation_id, variable_name, variable_value) VALUES (?, ?, ?, ?, ?, NULL, NULL)'),
    value: db.prepare(
      'INSERT INTO nbprov_value (trial_id, evaluation_id, activation_id, name, kind, type, value, summary, iterations) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)',
    ),
    dependency: db.prepare(
      `INSERT INTO dependency (trial_id, id, dependent_activation_id, dependent_id, dependency_activation_id, dependency_id, type, reference, collection_activation_id, collection_id, "key")
       VALUES (?, ?, ?, ?, ?, ?, ?, 0, NULL, NULL, NULL)`,
    ),
  };
}

function hash(n) {
  return n.toString(16).padStart(40, '0');
}

function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const dir = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  if (!dir) {
    console.error('usage: node bench/gen-lineage-db.mjs DIR [--evaluations 1000000] [--lanes 100]');
    process.exit(2);
  }
  const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
  const t = performance.now();
  const out = generate(dir, { evaluations: option('--evaluations', 1_000_000), lanes: option('--lanes', 100) });
  console.log(`${out.path}: ${out.evaluations} evaluations, ${out.dependencies} dependencies in ${((performance.now() - t) / 1000).toFixed(1)} s; deepest: ${out.deep}`);
}
