// The worker going away mid-run ends the run promptly with exit code 3 and the reason (not a hang
// until every task times out), and nothing it forked is left running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startLoadEnvironment, probeTask } from '../../src/loadtest/environment.js';
import { runLoadTest } from '../../src/loadtest/run.js';
import { JobctlError } from '../../src/util/errors.js';
import { celeryPython, descendants, stillRunning } from './helpers.js';

test('a worker killed mid-run stops the run with exit 3 and the reason', async () => {
  const env = await startLoadEnvironment({ root: process.cwd(), python: await celeryPython(), workerConcurrency: 2 });
  const started = descendants(process.pid);
  try {
    const workerPid = env.target.workerPid!;
    setTimeout(() => process.kill(workerPid, 'SIGKILL'), 1000);
    const t0 = performance.now();
    await assert.rejects(
      runLoadTest(env.target, { ...probeTask('sleep:20'), shape: { mode: 'closed', concurrency: 20 }, tasks: 100_000, taskTimeoutMs: 60_000 }),
      (err: unknown) => {
        assert.ok(err instanceof JobctlError);
        assert.equal(err.exitCode, 3);
        assert.match(err.message, /the worker exited during the load test \(killed by SIGKILL\)/);
        return true;
      },
    );
    assert.ok(performance.now() - t0 < 15_000, 'promptly, not after the 60 s task timeout');
  } finally {
    await env.stop();
  }
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(started.filter((p) => p.cmd.includes('celery') || p.cmd.includes('redis-server')).filter(stillRunning), []);
});
