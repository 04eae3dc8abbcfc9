// verify rehearses the plan's own edit: when the plan writes kombu[redis] itself, the target side
// resolves and runs without a resolver fix of verify's own ("edit the plan misses").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { runVerify } from '../../src/verify/index.js';
import { checkoutFixture, removeDir, repoRoot } from '../support/fixtures.js';

const cacheEnv = { ...process.env, JOBCTL_CACHE_DIR: path.join(repoRoot, '.cache', 'jobctl-test') };

test('kombu pinned with celery, Redis broker: the target side installs the plan\'s kombu[redis]==5.7.0, no edit the plan misses', async () => {
  const dir = checkoutFixture('deps-kombu-pinned');
  try {
    const r = await runVerify({ root: dir, to: '5.7.0', stages: ['deps'], renderer: 'silent', env: cacheEnv });
    const deps = r.stages.find((s) => s.id === 'deps')!;
    const target = deps.target!.evidence;
    assert.equal(deps.status, 'pass', target.join('\n'));
    assert.ok(target.some((e) => /with celery==5\.7\.0: celery==5\.7\.0 kombu\[redis\]==5\.7\.0 redis==6\.4\.0$/.test(e)), target.join('\n'));
    assert.ok(!target.some((e) => /edit the plan misses/.test(e)), target.join('\n'));
    assert.ok(target.some((e) => /^resolves and runs: celery 5\.7\.0, kombu 5\.7\.0/.test(e)), target.join('\n'));
  } finally {
    removeDir(dir);
  }
});
