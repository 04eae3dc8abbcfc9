// `jobctl upgrade-plan` as users run it: --json purity, markdown/diff output, --apply twice, exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, checkoutFixture, removeDir } from '../support/fixtures.js';

function jobctl(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'run.js'), ...args], {
    cwd: repoRoot, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, input: '', timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('upgrade-plan: markdown, --json, diff, --apply (idempotent) and one-line errors', () => {
  const dir = checkoutFixture('old-style-config');
  try {
    const md = jobctl(['upgrade-plan', dir, '--to', '5.6']);
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /^# Celery upgrade plan: 5\.4\.0 → 5\.6\.\d+$/m);
    for (const h of ['## 1. Current → target', '## 2. Breaking', '## 3. Required edits', '## 4. Staged verification', '## 5. Rollback']) assert.ok(md.stdout.includes(h), h);

    const json = jobctl(['upgrade-plan', dir, '--to', '5.6', '--json']);
    assert.equal(json.code, 0);
    const plan = JSON.parse(json.stdout) as { kind: string; edits: { file: string }[]; from: { version: string } };
    assert.equal(plan.kind, 'upgrade-plan');
    assert.equal(plan.from.version, '5.4.0');

    const diff = jobctl(['upgrade-plan', dir, '--to', '5.6', '--format', 'diff']);
    assert.match(diff.stdout, /^--- a\/celeryconfig\.py\n\+\+\+ b\/celeryconfig\.py$/m);
    assert.doesNotMatch(diff.stdout, /^#/m);

    const before = readFileSync(path.join(dir, 'celeryconfig.py'), 'utf8');
    const applied = jobctl(['upgrade-plan', dir, '--to', '5.6', '--apply', '--json']);
    assert.equal(applied.code, 0, applied.stderr);
    const result = JSON.parse(applied.stdout) as { applied: { results: { file: string; status: string }[] } };
    assert.ok(result.applied.results.some((r) => r.file === 'celeryconfig.py' && r.status === 'written'));
    const after = readFileSync(path.join(dir, 'celeryconfig.py'), 'utf8');
    assert.notEqual(after, before);
    // second run of the same command: the project is on the target now; nothing left to write, exit 0
    const again = jobctl(['upgrade-plan', dir, '--to', '5.6', '--apply']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /nothing to apply/);
    assert.match(again.stdout, /already on Celery 5\.6/);
    assert.equal(readFileSync(path.join(dir, 'celeryconfig.py'), 'utf8'), after);
    const older = jobctl(['upgrade-plan', dir, '--to', '5.5']);
    assert.equal(older.code, 2);
    assert.match(older.stderr, /^jobctl: nothing to plan: .*\n$/);
    const again2 = jobctl(['upgrade-plan', dir, '--from', '5.4.0', '--to', '5.6', '--apply']);
    assert.equal(again2.code, 0);
    assert.match(again2.stderr, /nothing to apply/);
    assert.equal(readFileSync(path.join(dir, 'celeryconfig.py'), 'utf8'), after);

    const bad = jobctl(['upgrade-plan', dir, '--to', '4.9']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^jobctl: --to 4\.9: not a Celery release jobctl knows .*pass e\.g\. --to \d/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /);
  } finally {
    removeDir(dir);
  }
});
