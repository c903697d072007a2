import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nbprov, openDb, project, removeProject, writeNotebook } from './helpers/cli.js';

// What a notebook can learn or leave behind (issue #13): the private server's token, the history file,
// terminal control sequences in notebook text, and secrets in its outputs (masked by the kernel as they are made).
describe('secrets and the terminal', () => {
  let dir: string;
  before(() => {
    dir = project();
  });
  after(() => removeProject(dir));

  test("the kernel's environment has no JUPYTER_TOKEN, and cell sources stay out of IPython's history file", async () => {
    writeNotebook(dir, 'peek.ipynb', [
      "import os\nprint('JUPYTER_TOKEN' in os.environ)",
      "marker = 'pasted-secret-8c1f'\nprint(get_ipython().history_manager.hist_file)",
    ]);
    const ipython = join(dir, 'ipython');
    const r = await nbprov(['run', 'peek.ipynb', '-q', '-o', 'out.ipynb'], { cwd: dir, env: { IPYTHONDIR: ipython } });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(readFileSync(join(dir, 'out.ipynb'), 'utf8'));
    assert.deepEqual(out.cells.map((c: { outputs: { text: string[] }[] }) => c.outputs.map((o) => o.text.join(''))), [['False\n'], [':memory:\n']]);
    const history = join(ipython, 'profile_default', 'history.sqlite');
    assert.ok(!existsSync(history) || !readFileSync(history).includes('pasted-secret-8c1f'));
  });

  test('cells and show print notebook text without its terminal control sequences', async () => {
    writeNotebook(dir, 'ansi.ipynb', ['x = 1  # \u001b]0;retitled\u0007\u001b[31mred\u001b[0m\u0008over']);
    const cells = await nbprov(['cells', 'ansi.ipynb'], { cwd: dir });
    assert.equal(cells.code, 0, cells.stderr);
    assert.equal(cells.stdout.split('\n')[1].replace(/^1\s+\S+\s+-\s+/, ''), 'x = 1  # redover');
    const run = await nbprov(['run', 'ansi.ipynb', '-q', '--db', 'ansi.sqlite'], { cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    const show = await nbprov(['show', 'last', '--code', '--db', 'ansi.sqlite'], { cwd: dir });
    assert.equal(show.code, 0, show.stderr);
    assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f]/.test(show.stdout), JSON.stringify(show.stdout));
    assert.match(show.stdout, /\nx = 1 {2}# redover\n/);
  });

  test('secret values, their aliases, secret dict entries and URL passwords stay out of the database (but for the sources)', async () => {
    writeNotebook(dir, 'leak.ipynb', [
      "dsn = 'postgres://admin:hunter22@db/prod'\nprint(dsn)",
      "api_key = 'k-12345'\ntok = api_key\nprint(tok)\ncfg = {'secret_key': 's3cr3t!', 'n': 1}\ncfg",
    ]);
    const r = await nbprov(['run', 'leak.ipynb', '-q', '--db', 'leak.sqlite'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const db = openDb(dir, 'leak.sqlite');
    const found: string[] = [];
    try {
      for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]) {
        for (const { name: column } of db.prepare(`PRAGMA table_info("${name}")`).all() as { name: string }[]) {
          if (name === 'nbprov_cell' && column === 'first_line') continue; // the source's first line, as the notebook holds it
          for (const secret of ['hunter22', 'k-12345', 's3cr3t!']) {
            if ((db.prepare(`SELECT COUNT(*) AS n FROM "${name}" WHERE CAST("${column}" AS TEXT) LIKE ?`).get(`%${secret}%`) as { n: number }).n) found.push(`${name}.${column}: ${secret}`);
          }
        }
      }
      assert.deepEqual(db.prepare('SELECT outputs FROM nbprov_cell ORDER BY cell_index').pluck().all(), [
        'stdout: postgres://admin:<redacted>@db/prod',
        "stdout: <redacted> | {'secret_key': '<redacted>', 'n': 1}",
      ]);
    } finally {
      db.close();
    }
    assert.deepEqual(found, []);
  });

  describe('secrets masked in the kernel, in every output path', () => {
    const env = { SERVICE_API_TOKEN: 'env-tok-9876', NBPROV_TEST_REGION: 'eu-west-7' };
    before(() => {
      writeNotebook(dir, 'same-cell.ipynb', [
        'token = "s3cr3t-value"; print(token)',
        'token',
        "import os, sys\nprint(os.environ['SERVICE_API_TOKEN'], file=sys.stderr)",
        "region = os.environ['NBPROV_TEST_REGION']\nprint(region)",
        'from IPython.display import HTML\ndisplay(HTML("<b>" + token + "</b>"))',
        'raise ValueError("bad " + token)',
      ]);
    });
    const cellsFailed = (evalue: string) =>
      `nbprov: cell 6 raised ValueError: ${evalue}\n  hint: fix the cell, or pass --allow-errors to run the remaining cells anyway\n`;

    /** The -o notebook's outputs, one string each: a stream's text, a display's or result's data, an error's evalue and last traceback line. */
    function executedOutputs(file: string): string[][] {
      const nb = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { cells: { outputs: Record<string, unknown>[] }[] };
      return nb.cells.map((c) =>
        c.outputs.map((o) => {
          if (o.output_type === 'stream') return `${o.name}: ${(o.text as string[]).join('')}`;
          if (o.output_type === 'error') return `${o.evalue} | ${(o.traceback as string[]).at(-1)!.replace(/\u001b\[[\d;]*m/g, '')}`;
          return `${o.output_type}: ${JSON.stringify(o.data)}`;
        }),
      );
    }

    test('a secret printed or shown by the cell that assigns it, or read from a secret-named environment variable: <redacted> live, in -o and in the database; another environment value (a region) as it is', async () => {
      const r = await nbprov(['run', 'same-cell.ipynb', '-q', '--log-output', '-o', 'masked.ipynb', '--db', 'masked.sqlite'], { cwd: dir, env });
      assert.equal(r.code, 1);
      assert.equal(r.stdout, "[1] <redacted>\n[2] '<redacted>'\n[4] eu-west-7\n[5] [display: text/html]\n");
      assert.equal(r.stderr, `[3] <redacted>\n[6] [error: ValueError: bad <redacted>]\n${cellsFailed('bad <redacted>')}`);
      assert.deepEqual(executedOutputs('masked.ipynb'), [
        ['stdout: <redacted>\n'],
        ['execute_result: {"text/plain":["\'<redacted>\'"]}'],
        ['stderr: <redacted>\n'],
        ['stdout: eu-west-7\n'],
        ['display_data: {"text/html":["<b><redacted></b>"],"text/plain":["<IPython.core.display.HTML object>"]}'],
        ['bad <redacted> | ValueError: bad <redacted>'],
      ]);
      const db = openDb(dir, 'masked.sqlite');
      try {
        assert.deepEqual(db.prepare('SELECT outputs, error_value FROM nbprov_cell ORDER BY cell_index').raw().all(), [
          ['stdout: <redacted>', null],
          ["'<redacted>'", null],
          ['stderr: <redacted>', null],
          ['stdout: eu-west-7', null],
          ['<IPython.core.display.HTML object> [+text/html]', null],
          ['ValueError: bad <redacted>', 'bad <redacted>'],
        ]);
      } finally {
        db.close();
      }
    });

    test('a secret written in pieces, one flush each, and a secret holding another: <redacted> whole in -o and the database', async () => {
      writeNotebook(dir, 'pieces.ipynb', [
        'short_key = "tok-abcd"; api_token = "tok-abcdefgh"',
        'import sys\nfor piece in ("tok-ab", "cdefgh", "\\n"):\n    sys.stdout.write(piece); sys.stdout.flush()',
        'db_password = "pw-" + "zyxwvu98"\nfor piece in (db_password[:5], db_password[5:], "\\n"):\n    sys.stdout.write(piece); sys.stdout.flush()',
        'print(api_token[:6], api_token[6:], sep="")',
      ]);
      const r = await nbprov(['run', 'pieces.ipynb', '-q', '-o', 'pieces-out.ipynb', '--db', 'pieces.sqlite'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(executedOutputs('pieces-out.ipynb'), [[], ['stdout: <redacted>\n'], ['stdout: <redacted>\n'], ['stdout: <redacted>\n']]);
      const db = openDb(dir, 'pieces.sqlite');
      try {
        assert.deepEqual(db.prepare('SELECT outputs FROM nbprov_cell ORDER BY cell_index').pluck().all(), ['', 'stdout: <redacted>', 'stdout: <redacted>', 'stdout: <redacted>']);
      } finally {
        db.close();
      }
    });

    test('--no-redact: the values as printed, everywhere', async () => {
      const r = await nbprov(['run', 'same-cell.ipynb', '-q', '--log-output', '--no-redact', '-o', 'raw.ipynb', '--db', 'raw.sqlite'], { cwd: dir, env });
      assert.equal(r.code, 1);
      assert.equal(r.stdout, "[1] s3cr3t-value\n[2] 's3cr3t-value'\n[4] eu-west-7\n[5] [display: text/html]\n");
      assert.equal(r.stderr, `[3] env-tok-9876\n[6] [error: ValueError: bad s3cr3t-value]\n${cellsFailed('bad s3cr3t-value')}`);
      assert.deepEqual(executedOutputs('raw.ipynb'), [
        ['stdout: s3cr3t-value\n'],
        ['execute_result: {"text/plain":["\'s3cr3t-value\'"]}'],
        ['stderr: env-tok-9876\n'],
        ['stdout: eu-west-7\n'],
        ['display_data: {"text/html":["<b>s3cr3t-value</b>"],"text/plain":["<IPython.core.display.HTML object>"]}'],
        ['bad s3cr3t-value | ValueError: bad s3cr3t-value'],
      ]);
      const db = openDb(dir, 'raw.sqlite');
      try {
        assert.deepEqual(db.prepare('SELECT outputs FROM nbprov_cell ORDER BY cell_index').pluck().all(), [
          'stdout: s3cr3t-value',
          "'s3cr3t-value'",
          'stderr: env-tok-9876',
          'stdout: eu-west-7',
          '<IPython.core.display.HTML object> [+text/html]',
          'ValueError: bad s3cr3t-value',
        ]);
      } finally {
        db.close();
      }
    });
  });
});

