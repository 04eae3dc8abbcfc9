// Output contracts every command keeps: --json prints exactly one JSON document on stdout (results
// and errors alike), exit codes follow the convention (0 clean, 1 findings/failed, 2 usage/config,
// 3 broker/worker unavailable), secrets never appear in any format, no ANSI escapes without a TTY.
// The real CLI (node bin/run.js) runs with stdin closed on copies of fixtures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, checkoutFixture, removeDir } from '../support/fixtures.js';
import { jobctl, jobctlAll, show, type Run } from '../support/cli.js';


/** stdout is exactly one JSON document (JSON.parse accepts nothing else around it). */
function onlyJson(r: Run): unknown {
  assert.equal(r.signal, null, `killed\n${show(r)}`);
  assert.match(r.stdout.trimStart(), /^[[{]/, `stdout must start with the JSON document\n${show(r)}`);
  try {
    return JSON.parse(r.stdout);
  } catch (err) {
    assert.fail(`stdout is not one JSON document (${(err as Error).message})\n${show(r)}`);
  }
}

/** An error under --json: `{ error: { message, exitCode } }` on stdout, one-line message, exit code matches. */
function jsonError(r: Run, exitCode: number, message: RegExp): void {
  const doc = onlyJson(r) as { error?: { message?: unknown; exitCode?: unknown } };
  assert.ok(doc.error, `want an error document\n${show(r)}`);
  assert.equal(r.code, exitCode, show(r));
  assert.equal(doc.error.exitCode, exitCode, show(r));
  assert.equal(typeof doc.error.message, 'string');
  assert.doesNotMatch(doc.error.message as string, /\n/, 'the message is one line');
  assert.match(doc.error.message as string, message, show(r));
  assert.doesNotMatch(r.stdout + r.stderr, /^\s+at .+[:(]/m, `stack trace\n${show(r)}`);
}

const FX = (name: string): string => path.join(repoRoot, 'fixtures', name);

test('--json: results are one JSON document on stdout with the documented exit code', async () => {
  const runs = await jobctlAll([
    ['audit', FX('true-negatives'), '--json'],
    ['audit', FX('security'), '--json'],
    ['audit', FX('security'), '--json', '--exit-zero'],
    ['audit', FX('security'), '--json', '--format', 'sarif'], // --json wins over --format: still the one result object
    ['rules', '--json'],
    ['rules', 'JC201', '--json'],
    ['checklist', FX('security'), '--json'],
    ['checklist', FX('security'), '--json', '--exit-zero'],
    ['upgrade-plan', FX('security'), '--json'],
    ['upgrade-plan', FX('security'), '--json', '--format', 'diff'],
  ]);
  const [clean, dirty, dirtyZero, dirtySarif, rules, rule, checklist, checklistZero, plan, planDiff] = runs as [Run, Run, Run, Run, Run, Run, Run, Run, Run, Run];
  const cleanDoc = onlyJson(clean) as { findings: unknown[] };
  assert.equal(clean.code, 0, show(clean));
  assert.deepEqual(cleanDoc.findings, []);
  const dirtyDoc = onlyJson(dirty) as { findings: { ruleId: string; severity: string }[] };
  assert.equal(dirty.code, 1, show(dirty));
  assert.ok(dirtyDoc.findings.some((f) => f.severity === 'error'), 'security has error findings: exit 1 is earned');
  assert.equal(dirtyZero.code, 0, show(dirtyZero));
  assert.deepEqual((onlyJson(dirtyZero) as typeof dirtyDoc).findings, dirtyDoc.findings);
  assert.deepEqual((onlyJson(dirtySarif) as { findings: unknown[] }).findings, dirtyDoc.findings);
  assert.ok(Array.isArray(onlyJson(rules)) && (onlyJson(rules) as unknown[]).length > 10);
  assert.equal((onlyJson(rule) as { id: string }).id, 'JC201');
  // human text that rules prints goes to stderr under --json
  assert.match(rule.stderr, /# JC201/);
  const cl = onlyJson(checklist) as { items: unknown[] };
  assert.ok(Array.isArray(cl.items) && cl.items.length > 0);
  assert.equal(checklist.code, 1, `security has open critical items\n${show(checklist)}`);
  assert.equal(checklistZero.code, 0, show(checklistZero));
  const p = onlyJson(plan) as { kind: string; to: { version: string } };
  assert.equal(p.kind, 'upgrade-plan');
  assert.equal(plan.code, 0, show(plan));
  // same plan object whatever --format says (timings aside)
  const stable = (x: unknown): string => JSON.stringify(x, (k, v: unknown) => (/^(durationMs|timings|generatedAt)$/.test(k) ? undefined : v));
  assert.equal(stable(onlyJson(planDiff)), stable(p));
});

test('--json: errors are one JSON document too (ours and oclif usage errors), exit 2', async () => {
  const cases: [string[], RegExp][] = [
    [['audit', '/nonexistent/jobctl-qa', '--json'], /\/nonexistent\/jobctl-qa: no such directory/],
    [['audit', FX('true-negatives'), '--json', '--bogus'], /Nonexistent flag: --bogus/],
    [['audit', FX('true-negatives'), '--json', '--format', 'xml'], /--format/],
    [['audit', FX('true-negatives'), '--json', '--select', 'JC999'], /unknown rule `JC999`/],
    [['rules', 'JC999', '--json'], /no rule `JC999`/],
    [['checklist', FX('true-negatives'), '--json', '--fail-on', 'urgent'], /--fail-on/],
    [['upgrade-plan', FX('true-negatives'), '--json', '--to', '9.9'], /--to 9\.9/],
    [['smoke-test', FX('true-negatives'), '--json', '--python', '/nonexistent/bin/python'], /\/nonexistent\/bin\/python/],
    [['smoke-test', FX('true-negatives'), '--json', '-c', '0'], /--concurrency/],
    [['load-test', '--json', '--rate', 'abc'], /--rate 'abc'/],
    [['verify', FX('true-negatives'), '--json', '--to', '9.9'], /--to 9\.9/],
  ];
  const runs = await jobctlAll(cases.map((c) => c[0]));
  runs.forEach((r, i) => jsonError(r, 2, cases[i]![1]));
});

test('exit 3 when the broker is unavailable (smoke-test against a closed loopback port)', async (t) => {
  // a real Celery from PyPI in the cached venv (created when missing); the worker is never started because
  // the broker check comes first, so this stays fast
  const ensure = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'ensure-venvs.mjs'), '5.7.0'], { cwd: repoRoot, encoding: 'utf8', timeout: 240_000 });
  const line = ensure.stdout.split('\n').find((l) => l.includes('"python"'));
  if (ensure.status !== 0 || !line) {
    t.skip(`no Celery venv could be created here (ensure-venvs exit ${ensure.status}): ${ensure.stderr.slice(-300)}`);
    return;
  }
  const python = (JSON.parse(line) as { python: string }).python;
  const [text, json] = await jobctlAll([
    ['smoke-test', FX('runtime-good-app'), '--python', python, '--broker', 'redis://127.0.0.1:1/0'],
    ['smoke-test', FX('runtime-good-app'), '--python', python, '--broker', 'redis://:hunter2pw@127.0.0.1:1/0', '--json'],
  ]);
  assert.equal(text!.code, 3, show(text!));
  assert.match(text!.stderr.trim(), /^jobctl: broker redis:\/\/127\.0\.0\.1:1\/0 is not reachable/, show(text!));
  jsonError(json!, 3, /not reachable/);
  // the password of a --broker URL is masked in the error
  assert.doesNotMatch(json!.stdout + json!.stderr, /hunter2pw/);
});

const SECRETS = ['Sup3rS3cretHunter2', 'mg-7f3kQ9zLw2pXv8Rt', 'AnotherKnownSecret99'];

function assertNoSecrets(r: Run): void {
  assert.equal(r.signal, null, show(r));
  assert.ok(r.code === 0 || r.code === 1, `want a normal run\n${show(r)}`);
  for (const s of SECRETS) {
    assert.ok(!r.stdout.includes(s), `secret ${s} on stdout of jobctl ${r.args.join(' ')}`);
    assert.ok(!r.stderr.includes(s), `secret ${s} on stderr of jobctl ${r.args.join(' ')}`);
  }
}

function filesHolding(dir: string, needle: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(dir, rel))) {
      if (name === '.git') continue;
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(path.join(dir, r)).isDirectory()) walk(r);
      else if (readFileSync(path.join(dir, r), 'utf8').includes(needle)) out.push(r);
    }
  };
  walk('');
  return out;
}

test('no secrets in any output of audit, checklist and upgrade-plan (security fixture)', async () => {
  const dir = checkoutFixture('security');
  const outDir = path.join(dir, '.qa-out');
  mkdirSync(outDir);
  try {
    // the test means something only while the fixture really holds the secrets
    for (const s of SECRETS) assert.ok(filesHolding(dir, s).length > 0, `fixture no longer holds ${s}`);
    const runs = await jobctlAll([
      ...['text', 'json', 'sarif', 'github', 'markdown'].map((f) => ['audit', dir, '--format', f]),
      ['audit', dir, '--json'],
      ['audit', dir, '-o', path.join(outDir, 'audit.md'), '--format', 'markdown', '--sarif-output', path.join(outDir, 'audit.sarif')],
      ...['text', 'json', 'markdown'].map((f) => ['checklist', dir, '--format', f]),
      ['checklist', dir, '--json'],
      ['upgrade-plan', dir],
      ['upgrade-plan', dir, '--format', 'diff'],
      ['upgrade-plan', dir, '--json'],
    ]);
    for (const r of runs) assertNoSecrets(r);
    // the JC502 findings that point at the secrets are there, masked
    const audit = JSON.parse(runs.find((r) => r.args.includes('--json') && r.args[0] === 'audit')!.stdout) as { findings: { ruleId: string; message: string }[] };
    assert.ok(audit.findings.filter((f) => f.ruleId === 'JC502').length >= 2);
    for (const f of ['audit.md', 'audit.sarif']) {
      const text = readFileSync(path.join(outDir, f), 'utf8');
      assert.ok(text.length > 100, `${f} was written`);
      for (const s of SECRETS) assert.ok(!text.includes(s), `secret ${s} in ${f}`);
    }
  } finally {
    removeDir(dir);
  }
});

test('no secrets in upgrade-plan diffs that edit the very lines and files holding them', async () => {
  // an old-style config module: the renames touch the lines with the broker password, and the diff
  // context shows the neighbouring password settings
  const dir = checkoutFixture('security');
  try {
    writeFileSync(path.join(dir, 'proj', 'celeryconfig.py'), [
      "BROKER_URL = 'redis://:Sup3rS3cretHunter2@redis:6379/0'",
      "CELERY_RESULT_BACKEND = 'redis://:Sup3rS3cretHunter2@redis:6379/1'",
      "CELERY_TASK_SERIALIZER = 'json'",
      "EMAIL_HOST_PASSWORD = 'mg-7f3kQ9zLw2pXv8Rt'",
      'CELERYD_CONCURRENCY = 4',
      "REDIS_PASSWORD = 'AnotherKnownSecret99'",
      'CELERYD_PREFETCH_MULTIPLIER = 1',
      '',
    ].join('\n'));
    const celery = path.join(dir, 'proj', 'celery.py');
    writeFileSync(celery, `${readFileSync(celery, 'utf8')}\napp.config_from_object('proj.celeryconfig')\n`);
    writeFileSync(path.join(dir, 'requirements.txt'), 'celery[redis]==5.3.6\n');
    const [diff, md, json] = await jobctlAll([
      ['upgrade-plan', dir, '--to', '5.6', '--format', 'diff'],
      ['upgrade-plan', dir, '--to', '5.6'],
      ['upgrade-plan', dir, '--to', '5.6', '--json'],
    ]);
    for (const r of [diff!, md!, json!]) assertNoSecrets(r);
    // the plan really edits that file (otherwise the test proves nothing): masked in markdown; the
    // patch leaves it out by name, since a masked hunk would not apply (probe.md D8)
    assert.match(md!.stdout, /^\+broker_url = 'redis:\/\/:\*\*\*\*@redis:6379\/0'$/m, show(md!));
    assert.doesNotMatch(diff!.stdout, /^\+\+\+ b\/proj\/celeryconfig\.py$/m, show(diff!));
    assert.match(diff!.stderr, /proj\/celeryconfig\.py left out of the patch: its lines hold a credential/, show(diff!));
    // --apply still writes the real values (redaction is for output only)
    const applied = await jobctl(['upgrade-plan', dir, '--to', '5.6', '--apply', '--json']);
    assertNoSecrets(applied);
    const after = readFileSync(path.join(dir, 'proj', 'celeryconfig.py'), 'utf8');
    assert.match(after, /^broker_url = 'redis:\/\/:Sup3rS3cretHunter2@redis:6379\/0'$/m, after);
    assert.match(after, /^REDIS_PASSWORD = 'AnotherKnownSecret99'$/m);
  } finally {
    removeDir(dir);
  }
});

const ANSI = /\x1b\[/; // eslint-disable-line no-control-regex

test('no ANSI escapes without a TTY (NO_COLOR=1, and also without NO_COLOR)', async () => {
  const cmds = [
    ['audit', FX('security')],
    ['audit', FX('security'), '--format', 'markdown'],
    ['checklist', FX('security')],
    ['upgrade-plan', FX('security')],
    ['rules'],
    ['audit', '/nonexistent/jobctl-qa'],
    ['audit', FX('security'), '--bogus'],
  ];
  const withNoColor = await jobctlAll(cmds);
  const withoutNoColor = await jobctlAll(cmds, { env: { NO_COLOR: undefined, FORCE_COLOR: undefined } });
  for (const r of [...withNoColor, ...withoutNoColor]) {
    assert.equal(r.signal, null, show(r));
    assert.doesNotMatch(r.stdout, ANSI, `ANSI on stdout\n${show(r)}`);
    assert.doesNotMatch(r.stderr, ANSI, `ANSI on stderr\n${show(r)}`);
  }
  // the colour-free text is still the full report, not an empty one
  assert.match(withoutNoColor[0]!.stdout, /JC502/);
});

test('--help for every command: exit 0, usage on stdout, no ANSI, no hang', async () => {
  const commands = ['audit', 'rules', 'checklist', 'upgrade-plan', 'smoke-test', 'load-test', 'verify'];
  const runs = await jobctlAll(commands.map((c) => [c, '--help']), { env: { NO_COLOR: undefined } });
  runs.forEach((r, i) => {
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /USAGE/, show(r));
    assert.match(r.stdout, new RegExp(`\\$ jobctl ${commands[i]}`), show(r));
    assert.doesNotMatch(r.stdout + r.stderr, ANSI, show(r));
    assert.match(r.stdout, /--json/, 'every command offers --json');
  });
});

test('--json with -o writes the same JSON document to the file', async () => {
  const dir = checkoutFixture('security');
  const out = path.join(dir, 'report.json');
  try {
    const r = await jobctl(['audit', dir, '--json', '-o', out]);
    assert.equal(r.code, 1);
    assert.equal(readFileSync(out, 'utf8'), r.stdout);
    for (const secret of ['Sup3rS3cretHunter2', 'mg-7f3kQ9zLw2pXv8Rt', 'AnotherKnownSecret99']) assert.ok(!r.stdout.includes(secret));
  } finally {
    removeDir(dir);
  }
});
