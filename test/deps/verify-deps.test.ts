// verify's deps stage asks the one resolver in its real mode (pip --dry-run --report of the
// project's own lines): a set that installs but cannot run is a failure, never "resolves".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { runVerify } from '../../src/verify/index.js';
import { checkoutFixture, fixturesDir, removeDir, repoRoot } from '../support/fixtures.js';
import { checkTargetWithPip } from '../../src/plan/check.js';
import { buildProjectModel } from '../../src/model/index.js';

const cacheEnv = { ...process.env, JOBCTL_CACHE_DIR: path.join(repoRoot, '.cache', 'jobctl-test') };

test('verify deps: celery==5.4.0 + redis==5.0.1 installs but does not run, and the stage says why and how to fix it', { timeout: 10 * 60_000 }, async () => {
  const dir = checkoutFixture('deps-trap-requirements');
  try {
    const r = await runVerify({ root: dir, stages: ['deps'], renderer: 'silent', env: cacheEnv });
    const deps = r.stages.find((s) => s.id === 'deps')!;
    assert.equal(deps.status, 'fail');
    const text = `${deps.reason}\n${deps.evidence.join('\n')}`;
    assert.match(deps.reason ?? '', /resolve but do not run/);
    assert.doesNotMatch(text, /resolves and runs/);
    assert.match(text, /installs but does not run: celery 5\.4\.0, kombu 5\.7\.0, .*redis 5\.0\.1/);
    assert.match(text, /VersionMismatch: Redis transport requires redis-py versions 6\.1\.0 or later\. You have 5\.0\.1/);
    assert.match(text, /change requirements\.txt:2 to `redis==6\.4\.0`, add `kombu\[redis\]`/);
    // no extra injected: pip got the project's own lines
    assert.match(text, /with celery==5\.4\.0: celery==5\.4\.0 redis==5\.0\.1$/m);
  } finally {
    removeDir(dir);
  }
});

test('verify deps: celery[redis]==5.6.3 + redis==5.0.1 backtracks to kombu 5.6.2 and passes', { timeout: 10 * 60_000 }, async () => {
  const dir = checkoutFixture('deps-ok-backtrack');
  try {
    const r = await runVerify({ root: dir, stages: ['deps'], renderer: 'silent', env: cacheEnv });
    const deps = r.stages.find((s) => s.id === 'deps')!;
    assert.equal(deps.status, 'pass', deps.evidence.join('\n'));
    assert.match(deps.evidence.join('\n'), /resolves and runs: celery 5\.6\.3, kombu 5\.6\.2/);
  } finally {
    removeDir(dir);
  }
});

test('upgrade-plan --check: pip and the offline plan agree; a trap fails the check', { timeout: 10 * 60_000 }, async () => {
  const python = process.env.JOBCTL_TEST_PYTHON ?? 'python3.11';
  const trap = await checkTargetWithPip(await buildProjectModel(path.join(fixturesDir, 'deps-trap-requirements')), '5.6.3', python, () => {});
  assert.equal(trap.agree, true, trap.lines.join('\n'));
  assert.equal(trap.ok, false);
  assert.match(trap.lines.join('\n'), /resolves: celery 5\.6\.3, kombu 5\.7\.0, redis 5\.0\.1/);
  assert.match(trap.lines.join('\n'), /VersionMismatch/);
  const ok = await checkTargetWithPip(await buildProjectModel(path.join(fixturesDir, 'deps-ok-backtrack')), '5.6.3', python, () => {});
  assert.equal(ok.agree, true, ok.lines.join('\n'));
  assert.equal(ok.ok, true, ok.lines.join('\n'));
});
