// The adoption baseline: fingerprints that survive moved lines and break on changed code, and the
// whole adoption flow on fixtures/legacy-adoption (20 legacy findings): --write-baseline, commit, the
// gate stays green until a new finding appears.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fingerprintAll, statementText } from '../../src/engine/fingerprint.js';
import { runAudit } from '../../src/engine/audit.js';
import { buildAuditSarif } from '../../src/report/audit-sarif.js';
import { buildAuditGitlab } from '../../src/report/audit-gitlab.js';
import { checkoutFixture, removeDir, writeProject } from '../support/fixtures.js';
import { jobctl, show } from '../support/cli.js';

test('statementText: the logical Python statement, comments dropped, whitespace collapsed', () => {
  const src = [
    'app.conf.update(  # settings',
    "    task_serializer='pickle',",
    "    accept_content=['json'],  # (a comment, with a ) bracket",
    ')',
    "x = '#not a comment'  # a comment",
    'y = """doc (',
    '"""',
  ].join('\n');
  assert.equal(statementText(src, 1, 'a.py'), "app.conf.update( task_serializer='pickle', accept_content=['json'], )");
  assert.equal(statementText(src, 5, 'a.py'), "x = '#not a comment'");
  assert.equal(statementText(src, 6, 'a.py'), 'y = """doc ( """');
  assert.equal(statementText('FOO=1 # note\nBAR=2\n', 1, '.env'), 'FOO=1');
  assert.equal(statementText('RUN a \\\n  && b\nCMD c\n', 1, 'Dockerfile'), 'RUN a && b');
});

test('fingerprints: stable when lines move or comments change, new when the code changes; duplicates get occurrence indexes', () => {
  const before = "import os\nBROKER_URL = 'redis://'\nCELERYD_CONCURRENCY = 8\n";
  const moved = "import os\n\n\n# added later\nBROKER_URL  =  'redis://'   # moved, reformatted\nCELERYD_CONCURRENCY = 8\n";
  const changed = "import os\nBROKER_URL = 'redis://other'\nCELERYD_CONCURRENCY = 8\n";
  const fp = (text: string, line: number): string => fingerprintAll([{ ruleId: 'JC101', file: 'c.py', line }], () => text)[0]!;
  assert.equal(fp(before, 2), fp(moved, 5));
  assert.notEqual(fp(before, 2), fp(changed, 2));
  assert.notEqual(fp(before, 2), fingerprintAll([{ ruleId: 'JC104', file: 'c.py', line: 2 }], () => before)[0], 'the rule is part of it');
  assert.notEqual(fp(before, 2), fingerprintAll([{ ruleId: 'JC101', file: 'd.py', line: 2 }], () => before)[0], 'the file is part of it');
  const dup = "X = 1\nX = 1\n";
  const [a, b] = fingerprintAll([{ ruleId: 'JC101', file: 'c.py', line: 1 }, { ruleId: 'JC101', file: 'c.py', line: 2 }], () => dup);
  assert.notEqual(a, b, 'two identical statements are two findings');
  // the first occurrence keeps its id when a copy is added below it
  const [a2] = fingerprintAll([{ ruleId: 'JC101', file: 'c.py', line: 1 }], () => 'X = 1\n');
  assert.equal(a, a2);
});

test('the finding fingerprint is what SARIF partialFingerprints and GitLab carry', async () => {
  const dir = checkoutFixture('legacy-adoption');
  try {
    const r = await runAudit(dir);
    const sarif = buildAuditSarif(r);
    assert.deepEqual(sarif.runs[0]!.results!.map((x) => Object.values(x.partialFingerprints ?? {})[0]), r.findings.map((f) => f.fingerprint));
    assert.deepEqual(buildAuditGitlab(r).map((x) => x.fingerprint), r.findings.map((f) => f.fingerprint));
    assert.equal(new Set(r.findings.map((f) => f.fingerprint)).size, r.findings.length, 'fingerprints are unique within a run');
  } finally {
    removeDir(dir);
  }
});

const gitEnv = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
const git = (dir: string, ...args: string[]): void => { execFileSync('git', args, { cwd: dir, stdio: 'ignore', env: gitEnv }); };
const edit = (dir: string, file: string, f: (s: string) => string): void => writeFileSync(path.join(dir, file), f(readFileSync(path.join(dir, file), 'utf8')));
const reported = (stdout: string): string[] => (JSON.parse(stdout) as { findings: { ruleId: string; location: { file: string; line: number } }[] }).findings.map((f) => `${f.location.file}:${f.location.line} ${f.ruleId}`);

test('adopting on 20 legacy findings: --write-baseline, commit, green until a new finding appears', { timeout: 120_000 }, async () => {
  const dir = checkoutFixture('legacy-adoption');
  const baseline = path.join(dir, 'jobctl-baseline.json');
  try {
    const before = await jobctl(['audit', dir, '--json']);
    assert.equal(before.code, 1, show(before));
    const legacy = reported(before.stdout);
    assert.ok(legacy.length >= 18, `the fixture should carry ~20 legacy findings, got ${legacy.length}`);

    const write = await jobctl(['audit', dir, '--write-baseline', baseline]);
    assert.equal(write.code, 0, show(write));
    assert.match(write.stderr, new RegExp(`wrote ${legacy.length} findings to the baseline`));
    const file = JSON.parse(readFileSync(baseline, 'utf8')) as { findings: { fingerprint: string; rule: string; file: string }[] };
    assert.equal(file.findings.length, legacy.length);
    git(dir, 'add', 'jobctl-baseline.json');
    git(dir, 'commit', '-q', '-m', 'adopt jobctl');

    // the gate: jobctl-baseline.json at the project root is found without configuration
    const green = await jobctl(['audit', dir]);
    assert.equal(green.code, 0, show(green));
    assert.match(green.stdout, new RegExp(`${legacy.length} findings in the baseline jobctl-baseline.json`));

    // lines move, comments change: still green, nothing stale
    edit(dir, 'celeryconfig.py', (s) => `"""Settings."""\n\n# moved down by a new header\n${s.replace('CELERYD_CONCURRENCY = 8', 'CELERYD_CONCURRENCY  =  8   # tuned in 2019')}`);
    const moved = await jobctl(['audit', dir, '--json']);
    assert.equal(moved.code, 0, show(moved));
    const movedResult = JSON.parse(moved.stdout) as { findings: unknown[]; baseline: { matched: number; stale: unknown[] } };
    assert.deepEqual({ findings: movedResult.findings.length, matched: movedResult.baseline.matched, stale: movedResult.baseline.stale.length }, { findings: 0, matched: legacy.length, stale: 0 });

    // a new finding: the gate fails on it, and only on it
    edit(dir, 'celeryconfig.py', (s) => `${s}CELERYD_POOL_RESTARTS = True\n`);
    const red = await jobctl(['audit', dir, '--json']);
    assert.equal(red.code, 1, show(red));
    assert.deepEqual(reported(red.stdout).map((l) => l.replace(/:\d+ /, ' ')), ['celeryconfig.py JC101']);
    // SARIF marks it new against the baseline; naming files (pre-commit) narrows the report to them
    const sarif = await jobctl(['audit', dir, path.join(dir, 'celeryconfig.py'), '--format', 'sarif']);
    assert.equal(sarif.code, 1, show(sarif));
    const results = (JSON.parse(sarif.stdout) as { runs: { results: { ruleId: string; baselineState?: string }[] }[] }).runs[0]!.results;
    assert.deepEqual(results.map((x) => `${x.ruleId} ${x.baselineState}`), ['JC101 new']);
    const otherFile = await jobctl(['audit', dir, path.join(dir, 'worker.py')]);
    assert.equal(otherFile.code, 0, show(otherFile));

    // the code of a baselined finding changes: it is new again, and its old entry is stale
    edit(dir, 'celeryconfig.py', (s) => s.replace('CELERYD_POOL_RESTARTS = True\n', '').replace('CELERYD_CONCURRENCY  =  8', 'CELERYD_CONCURRENCY = 4'));
    const changed = await jobctl(['audit', dir]);
    assert.equal(changed.code, 1, show(changed));
    assert.match(changed.stdout, /CELERYD_CONCURRENCY/);
    assert.match(changed.stdout, /1 baseline entry no longer occurs \(fixed or changed\); prune with `jobctl audit --write-baseline jobctl-baseline.json`/);
    assert.match(changed.stdout, /celeryconfig\.py:13 JC101 `CELERYD_CONCURRENCY`/);

    // prune: rewrite the baseline, nothing stale, green again
    const prune = await jobctl(['audit', dir, '--write-baseline', baseline]);
    assert.equal(prune.code, 0, show(prune));
    const pruned = await jobctl(['audit', dir, '--json']);
    assert.equal(pruned.code, 0, show(pruned));
    assert.equal((JSON.parse(pruned.stdout) as { baseline: { stale: unknown[] } }).baseline.stale.length, 0);

    // --no-baseline reports everything again
    const all = await jobctl(['audit', dir, '--no-baseline', '--json']);
    assert.equal(all.code, 1);
    assert.equal(reported(all.stdout).length, legacy.length);
  } finally {
    removeDir(dir);
  }
});

test('baseline: path in jobctl.yaml and [tool.jobctl]; a named baseline that is missing or broken is a one-line error', async () => {
  const files = { 'proj.py': "from celery import Celery\napp = Celery('proj')\napp.config_from_object('celeryconfig')\n", 'celeryconfig.py': 'CELERYD_CONCURRENCY = 2\n' };
  const dir = writeProject({ ...files, 'jobctl.yaml': 'baseline: ci/jobctl-baseline.json\nfail-on: warning\n' });
  const dir2 = writeProject({ ...files, 'pyproject.toml': '[tool.jobctl]\nbaseline = "missing.json"\n' });
  try {
    const missing = await jobctl(['audit', dir]);
    assert.equal(missing.code, 2, show(missing));
    assert.match(missing.stderr, /^jobctl: ci\/jobctl-baseline\.json: cannot read the baseline \(ENOENT\); create it with `jobctl audit --write-baseline ci\/jobctl-baseline\.json`\n$/);
    execFileSync('mkdir', ['-p', path.join(dir, 'ci')]);
    assert.equal((await jobctl(['audit', dir, '--write-baseline', path.join(dir, 'ci', 'jobctl-baseline.json')])).code, 0);
    const green = await jobctl(['audit', dir]);
    assert.equal(green.code, 0, show(green));
    assert.match(green.stdout, /1 finding in the baseline ci\/jobctl-baseline\.json/);
    writeFileSync(path.join(dir, 'ci', 'jobctl-baseline.json'), '{"findings": 3}');
    const broken = await jobctl(['audit', dir]);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /not a jobctl baseline/);
    const pyproject = await jobctl(['audit', dir2]);
    assert.equal(pyproject.code, 2);
    assert.match(pyproject.stderr, /missing\.json: cannot read the baseline/);
  } finally {
    removeDir(dir);
    removeDir(dir2);
  }
});
