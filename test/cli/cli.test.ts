// The CLI as users run it: exit codes, --json purity, one-line errors, reporters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot, checkoutFixture, removeDir } from '../support/fixtures.js';

function jobctl(args: string[], opts: { cwd?: string } = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'run.js'), ...args], {
    cwd: opts.cwd ?? repoRoot, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, input: '', timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('audit --json prints only JSON on stdout and exits 1 on errors', () => {
  const dir = checkoutFixture('old-style-config');
  try {
    const r = jobctl(['audit', dir, '--json', '--fail-on', 'warning']);
    const parsed = JSON.parse(r.stdout) as { findings: { ruleId: string }[] };
    assert.ok(parsed.findings.some((f) => f.ruleId === 'JC101'));
    assert.equal(r.code, 1);
  } finally {
    removeDir(dir);
  }
});

test('audit of a clean project exits 0; --exit-zero keeps 0 with findings', () => {
  const clean = checkoutFixture('true-negatives');
  const dirty = checkoutFixture('security');
  try {
    assert.equal(jobctl(['audit', clean]).code, 0);
    assert.equal(jobctl(['audit', dirty]).code, 1);
    assert.equal(jobctl(['audit', dirty, '--exit-zero']).code, 0);
  } finally {
    removeDir(clean);
    removeDir(dirty);
  }
});

test('bad input: one line naming the problem and the fix, exit 2, no stack trace', () => {
  const r = jobctl(['audit', '/nonexistent/project']);
  assert.equal(r.code, 2);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /nonexistent\/project: no such directory/);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
  const t = jobctl(['audit', repoRoot, '--target', '4.9']);
  assert.equal(t.code, 2);
  assert.match(t.stderr, /--target 4\.9: not a Celery release jobctl knows/);
  const f = jobctl(['audit', '.', '--format', 'xml']);
  assert.equal(f.code, 2);
});

test('broken jobctl.yaml is a one-line config error', () => {
  const dir = checkoutFixture('true-negatives');
  try {
    require_write(path.join(dir, 'jobctl.yaml'), 'target: [unclosed\n');
    const r = jobctl(['audit', dir]);
    assert.equal(r.code, 2);
    assert.match(r.stderr.trim(), /^jobctl: jobctl\.yaml: not valid YAML .*fix the file/);
  } finally {
    removeDir(dir);
  }
});

test('--format sarif / github / markdown render from the same result', () => {
  const dir = checkoutFixture('security');
  try {
    const sarif = JSON.parse(jobctl(['audit', dir, '--format', 'sarif']).stdout) as { version: string; runs: { results: unknown[] }[] };
    assert.equal(sarif.version, '2.1.0');
    assert.ok(sarif.runs[0]!.results.length > 0);
    assert.match(jobctl(['audit', dir, '--format', 'github']).stdout, /^::error file=/m);
    assert.match(jobctl(['audit', dir, '--format', 'markdown']).stdout, /^# jobctl audit/m);
  } finally {
    removeDir(dir);
  }
});

test('rules lists every rule; rules JC201 explains one with its sources', () => {
  const list = jobctl(['rules']);
  assert.equal(list.code, 0);
  assert.match(list.stdout, /^JC101 {2}old-setting-name/m);
  const one = jobctl(['rules', 'JC201']);
  assert.match(one.stdout, /# JC201 async-def-task/);
  assert.match(one.stdout, /## Sources/);
  assert.equal(jobctl(['rules', 'JC999']).code, 2);
});

import { writeFileSync } from 'node:fs';
function require_write(p: string, text: string): void {
  writeFileSync(p, text);
}
