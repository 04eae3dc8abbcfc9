// D21 (probe.md): `npm test` left jobctl-integ-* folders in /tmp on every run (test/model/integrations
// makes test projects and never removes them). The test runner now gives each run one scratch TMPDIR
// and removes it, so a test that forgets cannot leave anything behind. Run the runner on that very
// test file with an empty TMPDIR of our own: afterwards it must still be empty.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../support/fixtures.js';

test('D21: a test run leaves nothing in TMPDIR, even from a test that never removes its projects', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'jobctl-d21-'));
  // (without the outer runner's NODE_TEST_CONTEXT, which would turn the inner run into a silent subtest stream)
  const { NODE_TEST_CONTEXT: _, ...outer } = process.env;
  try {
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'run-tests.mjs'), 'model/integrations'], {
      cwd: repoRoot, encoding: 'utf8', timeout: 300_000, env: { ...outer, TMPDIR: tmp },
    });
    assert.equal(r.status, 0, `${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
    assert.match(r.stdout, /\b[1-9]\d* passed, 0 failed/);
    assert.deepEqual(readdirSync(tmp), [], 'left in TMPDIR by the test run');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
