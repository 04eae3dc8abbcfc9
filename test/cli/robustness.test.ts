// Cross-command robustness: bad input of every kind is one clear line on stderr naming the file or flag
// and the fix, exit 2, never a stack trace and never a hang; malformed project files are notes, not
// crashes. Every case runs the real CLI (node bin/run.js) with stdin closed on a copy of a fixture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot, checkoutFixture, removeDir } from '../support/fixtures.js';
import { jobctl, jobctlAll, show, type Run } from '../support/cli.js';

/** No stack trace and no oclif "Error:" banner anywhere in the output. */
function assertNoTrace(r: Run): void {
  assert.doesNotMatch(r.stderr, /^\s+at .+[:(]/m, `stack trace on stderr\n${show(r)}`);
  assert.doesNotMatch(r.stdout, /^\s+at .+[:(]/m, `stack trace on stdout\n${show(r)}`);
  assert.doesNotMatch(r.stderr, /\bError:|TypeError|ReferenceError|RangeError/, `raw error text\n${show(r)}`);
}

/** The usage/config error contract: exit 2, exactly one `jobctl: ...` line on stderr matching `what`, nothing on stdout. */
function assertOneLineError(r: Run, what: RegExp): void {
  assert.equal(r.signal, null, `killed (hang?)\n${show(r)}`);
  assert.equal(r.code, 2, show(r));
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `want exactly one line on stderr\n${show(r)}`);
  assert.match(lines[0]!, /^jobctl: /, show(r));
  assert.match(lines[0]!, what, show(r));
  assert.equal(r.stdout, '', `stdout must stay empty on an error\n${show(r)}`);
  assertNoTrace(r);
}

const PROJECT_COMMANDS = ['audit', 'checklist', 'upgrade-plan', 'smoke-test', 'verify'] as const;

test('nonexistent project path: one line naming the path, exit 2, for every command', async () => {
  const runs = await jobctlAll([
    ...PROJECT_COMMANDS.map((c) => [c, '/nonexistent/jobctl-qa-project']),
  ]);
  for (const r of runs) assertOneLineError(r, /\/nonexistent\/jobctl-qa-project: no such directory/);
});

test('load-test --project that does not exist names the folder (not the Python lookup)', async () => {
  const r = await jobctl(['load-test', '--project', '/nonexistent/jobctl-qa-project', '--tasks', '10']);
  assertOneLineError(r, /\/nonexistent\/jobctl-qa-project/);
});

test('a file instead of a project folder: one line, exit 2, for every command', async () => {
  const runs = await jobctlAll(PROJECT_COMMANDS.filter((c) => c !== 'smoke-test').map((c) => [c, 'package.json']));
  for (const r of runs) assertOneLineError(r, /package\.json: not a directory/);
});

test('smoke-test given a file says it is not a directory', async () => {
  assertOneLineError(await jobctl(['smoke-test', 'package.json']), /package\.json: not a directory/);
});

test('malformed jobctl.yaml: one line naming jobctl.yaml and what to write, for every command that reads it', async () => {
  const dir = checkoutFixture('true-negatives');
  try {
    const cases: { yaml: string; want: RegExp }[] = [
      { yaml: 'target: [unclosed\n', want: /jobctl\.yaml: not valid YAML .*fix the file/ },
      { yaml: 'target: [1]\n', want: /jobctl\.yaml: `target` must be a string/ },
      { yaml: 'select: JC101\n', want: /jobctl\.yaml: `select` must be a list of strings/ },
      { yaml: '- target\n- 5.6\n', want: /jobctl\.yaml: expected a mapping/ },
      { yaml: 'fail-on: fatal\n', want: /jobctl\.yaml: `fail-on` must be error, warning or info/ },
      { yaml: 'per-file-ignores: [JC101]\n', want: /jobctl\.yaml: `per-file-ignores` must map/ },
      // a version jobctl does not know, given in the file: the error names the file, not a flag the user never typed
      { yaml: 'target: "9.9"\n', want: /jobctl\.yaml: `target: 9\.9` is not a Celery release jobctl knows/ },
    ];
    for (const c of cases) {
      writeFileSync(path.join(dir, 'jobctl.yaml'), c.yaml);
      // every command reads the config through loadConfig, so one file error is enough to show for all of
      // them; the other cases are checked on audit and upgrade-plan (which loads it inside the library)
      const commands = c === cases[0] || c === cases[1] ? ['audit', 'checklist', 'upgrade-plan', 'smoke-test', 'verify'] : ['audit', 'upgrade-plan'];
      const runs = await jobctlAll(commands.map((cmd) => [cmd, dir]));
      for (const r of runs) assertOneLineError(r, c.want);
    }
  } finally {
    removeDir(dir);
  }
});

test('unknown keys in jobctl.yaml: a one-line warning naming the key on stderr, the run goes on', async () => {
  const dir = checkoutFixture('true-negatives');
  try {
    writeFileSync(path.join(dir, 'jobctl.yaml'), 'tagret: "5.6"\n');
    const [audit, json] = await jobctlAll([['audit', dir], ['audit', dir, '--json']]);
    assert.equal(audit!.code, 0, show(audit!));
    assert.match(audit!.stderr, /^jobctl: warning: jobctl\.yaml: unknown key `tagret`.*ignored/m, show(audit!));
    assertNoTrace(audit!);
    // the warning must not break --json
    assert.equal(json!.code, 0, show(json!));
    JSON.parse(json!.stdout);
    assert.match(json!.stderr, /unknown key `tagret`/);
  } finally {
    removeDir(dir);
  }
});

test('malformed [tool.jobctl] in pyproject.toml: one line naming pyproject.toml', async () => {
  const dir = checkoutFixture('true-negatives');
  try {
    writeFileSync(path.join(dir, 'pyproject.toml'), '[project]\nname = "prices"\n\n[tool.jobctl]\ntarget = [1]\n');
    const runs = await jobctlAll([['audit', dir], ['checklist', dir], ['upgrade-plan', dir]]);
    for (const r of runs) assertOneLineError(r, /pyproject\.toml: `target` must be a string/);
    writeFileSync(path.join(dir, 'pyproject.toml'), '[tool.jobctl]\nselect = "JC1"\n');
    assertOneLineError(await jobctl(['audit', dir]), /pyproject\.toml: `select` must be a list of strings/);
    // a pyproject.toml that is not TOML at all is the pyproject integration's note, not a config error
    writeFileSync(path.join(dir, 'pyproject.toml'), '[tool.jobctl\ntarget = "5.6"\n');
    const broken = await jobctl(['audit', dir, '--json']);
    assert.notEqual(broken.code, 2, show(broken));
    const notes = (JSON.parse(broken.stdout) as { notes: { file?: string; message: string }[] }).notes;
    assert.ok(notes.some((n) => n.file === 'pyproject.toml'), `want a note about pyproject.toml, got ${JSON.stringify(notes)}`);
  } finally {
    removeDir(dir);
  }
});

test('unknown versions, rules and options: one line naming the flag', async () => {
  const fx = path.join(repoRoot, 'fixtures', 'true-negatives');
  const cases: [string[], RegExp][] = [
    [['audit', fx, '--target', '9.9'], /--target 9\.9: not a Celery release jobctl knows/],
    [['checklist', fx, '--format', 'xml'], /--format.*xml.*text, markdown, json/],
    [['upgrade-plan', fx, '--to', '9.9'], /--to 9\.9: not a Celery release jobctl knows/],
    [['upgrade-plan', fx, '--from', '1.2.3'], /--from 1\.2\.3: not a Celery release jobctl knows/],
    [['verify', fx, '--to', '9.9'], /--to 9\.9: not a Celery release/],
    [['verify', fx, '--stages', 'bogus'], /--stages: unknown stage 'bogus'/],
    [['audit', fx, '--select', 'JC999'], /unknown rule `JC999`.*jobctl rules/],
    [['audit', fx, '--ignore', 'no-such-rule'], /unknown rule `no-such-rule`.*jobctl rules/],
    [['audit', fx, '--format', 'xml'], /--format.*xml.*text, json, sarif, github, markdown.*--help/],
    [['audit', fx, '--fail-on', 'fatal'], /--fail-on.*fatal.*error, warning, info/],
    [['audit', fx, '--bogus'], /Nonexistent flag: --bogus.*jobctl audit --help/],
    [['audit', fx, 'second-path'], /Unexpected argument: second-path/],
    [['rules', 'JC999'], /no rule `JC999`.*jobctl rules/],
    [['smoke-test', fx, '--pool', 'fibers'], /--pool.*fibers.*prefork/],
    [['smoke-test', fx, '-c', '0'], /--concurrency.*greater than or equal to 1/],
    [['load-test', '--rate', 'abc'], /--rate 'abc'/],
    [['load-test', '--duration', 'soon'], /--duration 'soon'/],
    [['load-test', '--threshold', 'p95<<3'], /--threshold 'p95<<3'/],
    [['load-test', '--args', 'notjson'], /--args 'notjson': not JSON/],
    // conflicting flags
    [['load-test', '--rate', '10/s', '--concurrency', '5'], /either --concurrency .* or --rate .*not both/],
  ];
  const runs = await jobctlAll(cases.map((c) => c[0]));
  runs.forEach((r, i) => assertOneLineError(r, cases[i]![1]));
});

test('an output file that cannot be written: one line naming it, exit 2', async () => {
  const fx = path.join(repoRoot, 'fixtures', 'true-negatives');
  const runs = await jobctlAll([
    ['audit', fx, '-o', '/nonexistent/dir/report.txt'],
    ['audit', fx, '--sarif-output', '/nonexistent/dir/report.sarif'],
    ['checklist', fx, '--ci', '-o', '/nonexistent/dir/checklist.md'],
    ['upgrade-plan', fx, '-o', '/nonexistent/dir/plan.md'],
  ]);
  for (const r of runs) assertOneLineError(r, /\/nonexistent\/dir\/\S+: cannot write .*choose a writable path/);
  // verify prints its stage progress on stderr first (it only writes the report after the stages ran;
  // the static stage alone keeps this fast): the error is still one line, last, exit 2
  const verify = await jobctl(['verify', fx, '--stages', 'static', '-o', '/nonexistent/dir/verify.md']);
  assert.equal(verify.code, 2, show(verify));
  assert.match(verify.stderr.trimEnd().split('\n').at(-1)!, /^jobctl: \/nonexistent\/dir\/verify\.md: cannot write .*choose a writable path$/, show(verify));
  assertNoTrace(verify);
});

test('smoke-test with an interpreter that does not exist fails fast with one line, no hang', async () => {
  const fx = path.join(repoRoot, 'fixtures', 'true-negatives');
  const r = await jobctl(['smoke-test', fx, '--python', '/nonexistent/bin/python'], { timeoutMs: 30_000 });
  assertOneLineError(r, /\/nonexistent\/bin\/python/);
});

test('no command prompts or hangs without a TTY', async () => {
  // checklist is the one interactive command: without a TTY (and without --ci) it must not ask
  const dir = checkoutFixture('readiness');
  try {
    const [checklist, plan] = await jobctlAll([['checklist', dir], ['upgrade-plan', dir]]);
    assert.equal(checklist!.signal, null, `checklist hung\n${show(checklist!)}`);
    assert.ok(checklist!.code === 0 || checklist!.code === 1, show(checklist!));
    assert.match(checklist!.stdout, /unconfirmed/i, 'undetectable items are listed as unconfirmed, not asked');
    assert.doesNotMatch(checklist!.stderr, /\?\s.*\(y\/n\)|❯/i, 'no prompt text on stderr');
    assert.equal(plan!.signal, null);
    assert.equal(plan!.code, 0, show(plan!));
    // --apply never asks for confirmation either
    const apply = await jobctl(['upgrade-plan', dir, '--apply']);
    assert.equal(apply.signal, null);
    assert.notEqual(apply.code, null, show(apply));
  } finally {
    removeDir(dir);
  }
});

/** A project with every kind of file jobctl could choke on. Returns the folder and whether chmod 000 blocks reads here. */
function hostileProject(): { dir: string; unreadableBlocks: boolean } {
  const dir = checkoutFixture('true-negatives');
  const proj = path.join(dir, 'proj');
  // binary .py (NUL bytes, random high bytes)
  writeFileSync(path.join(proj, 'binary_blob.py'), Buffer.from([0x00, 0xff, 0xfe, 0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02, 0xc3, 0x28]));
  // invalid UTF-8 in an otherwise normal task module
  writeFileSync(path.join(proj, 'latin1_tasks.py'), Buffer.concat([
    Buffer.from('# -*- coding: latin-1 -*-\nfrom celery import shared_task\n\nNAME = "caf'), Buffer.from([0xe9]), Buffer.from('"\n\n@shared_task\ndef greet():\n    return NAME\n'),
  ]));
  // a 3 MB generated module
  const big = ['# generated table', 'TABLE = {'];
  let size = 0;
  for (let i = 0; size < 3 * 1024 * 1024; i++) {
    const line = `    'key_${i}': 'value_${i}_${'x'.repeat(40)}',`;
    big.push(line);
    size += line.length + 1;
  }
  big.push('}');
  writeFileSync(path.join(proj, 'generated_table.py'), `${big.join('\n')}\n`);
  // a symlink loop and a dangling symlink
  mkdirSync(path.join(dir, 'loop'));
  symlinkSync('..', path.join(dir, 'loop', 'up'));
  symlinkSync(path.join(dir, 'loop', 'self'), path.join(dir, 'loop', 'self'));
  symlinkSync('/nonexistent/target.py', path.join(proj, 'dangling.py'));
  // broken TOML / YAML / JSON in the manifests jobctl reads
  writeFileSync(path.join(dir, 'pyproject.toml'), '[project\nname = "prices"\ndependencies = ["celery==5.6.3"\n');
  writeFileSync(path.join(dir, 'docker-compose.override.yml'), 'services:\n  worker:\n    command: [celery, -A, proj\n   - bad: indent\n');
  writeFileSync(path.join(dir, 'Pipfile.lock'), '{"default": {"celery": {"version": "==5.6.3"');
  writeFileSync(path.join(dir, 'poetry.lock'), '[[package]\nname = celery\n');
  // an unreadable settings module
  const secret = path.join(proj, 'unreadable_settings.py');
  writeFileSync(secret, 'broker_url = "redis://localhost:6379/0"\n');
  chmodSync(secret, 0o000);
  let unreadableBlocks = false;
  try {
    closeSync(openSync(secret, 'r'));
  } catch {
    unreadableBlocks = true;
  }
  return { dir, unreadableBlocks };
}

test('malformed project files are notes, never a crash: audit, checklist, upgrade-plan', async (t) => {
  const { dir, unreadableBlocks } = hostileProject();
  try {
    const [audit, checklist, plan] = await jobctlAll([['audit', dir, '--json'], ['checklist', dir, '--json'], ['upgrade-plan', dir, '--json']]);
    for (const r of [audit!, checklist!, plan!]) {
      assert.equal(r.signal, null, `hung\n${show(r)}`);
      assert.notEqual(r.code, 2, show(r));
      assertNoTrace(r);
      JSON.parse(r.stdout);
    }
    const result = JSON.parse(audit!.stdout) as { notes: { file?: string; message: string }[]; findings: unknown[] };
    const noted = new Set(result.notes.map((n) => n.file));
    for (const f of ['pyproject.toml', 'Pipfile.lock', 'poetry.lock', 'docker-compose.override.yml']) {
      assert.ok(noted.has(f), `want a note about ${f}; notes: ${JSON.stringify(result.notes)}`);
    }
    // the valid part of the project is still audited: the good task module was read despite the hostile neighbours
    assert.match(readFileSync(path.join(dir, 'proj', 'latin1_tasks.py')).toString('latin1'), /shared_task/);
    if (unreadableBlocks) {
      assert.ok(noted.has('proj/unreadable_settings.py'), `want a note about the unreadable file; notes: ${JSON.stringify(result.notes)}`);
    } else {
      t.diagnostic('running as root: chmod 000 does not block reads, the unreadable-file case is not exercised');
    }
  } finally {
    try { chmodSync(path.join(dir, 'proj', 'unreadable_settings.py'), 0o644); } catch { /* already gone */ }
    removeDir(dir);
  }
});

test('unreadable file: a note naming it (skipped as root, where chmod 000 does not block reads)', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'jobctl-qa-unreadable-'));
  try {
    writeFileSync(path.join(dir, 'celery_app.py'), 'from celery import Celery\napp = Celery("x", broker="redis://localhost:6379/0")\n');
    const secret = path.join(dir, 'tasks.py');
    writeFileSync(secret, 'from celery_app import app\n\n@app.task\ndef add(x, y):\n    return x + y\n');
    chmodSync(secret, 0o000);
    try {
      closeSync(openSync(secret, 'r'));
      t.skip('chmod 000 does not block reads for this user (root); cannot test an unreadable file here');
      return;
    } catch { /* good: the file really is unreadable */ }
    const r = await jobctl(['audit', dir, '--json']);
    assert.notEqual(r.code, 2, show(r));
    assertNoTrace(r);
    const notes = (JSON.parse(r.stdout) as { notes: { file?: string }[] }).notes;
    assert.ok(notes.some((n) => n.file === 'tasks.py'), JSON.stringify(notes));
  } finally {
    try { chmodSync(path.join(dir, 'tasks.py'), 0o644); } catch { /* ignore */ }
    removeDir(dir);
  }
});
