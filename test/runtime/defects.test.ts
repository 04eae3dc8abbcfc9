// Issue 13's runtime defects, each on a fixture app that reproduces it, against real Celery from
// PyPI and a real redis-server. Every one of these failed before its fix (see the fixture's docstring).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { runSmokeTest, type SmokeResult } from '../../src/runtime/smoke.js';
import { loadConfig } from '../../src/engine/config.js';
import { ensureCeleryVenv } from '../../src/runtime/venvs.js';
import { startOwnRedis } from '../../src/runtime/redis-server.js';
import { startWorker } from '../../src/runtime/worker.js';
import { RedisCeleryTransport } from '../../src/runtime/redis-transport.js';
import { liveManagedProcesses } from '../../src/runtime/process-group.js';
import { UnavailableError } from '../../src/util/errors.js';
import { repoRoot, fixturesDir } from '../support/fixtures.js';

const NEW = '5.7.0';
const py: Record<string, string> = {};

before(() => {
  py[NEW] = ensureCeleryVenv(NEW);
});

async function smoke(fixture: string, python: string, extra: Partial<Parameters<typeof runSmokeTest>[0]> = {}): Promise<SmokeResult> {
  const root = path.join(fixturesDir, fixture);
  return runSmokeTest({ root, python, config: await loadConfig(root), renderer: 'silent', ...extra });
}

const notPassed = (r: SmokeResult): string[] => r.checks.filter((c) => c.status === 'fail' || (c.required && c.status !== 'pass')).map((c) => `${c.id}: ${c.evidence}`);

test('an app with its own soft limit, rate limits, ignore_result annotations and catch-all routes passes (hard limit proven through the soft one)', async () => {
  const r = await smoke('runtime-app-config', py[NEW]!);
  assert.deepEqual(notPassed(r), [], r.workerLogExcerpt);
  const hard = r.checks.find((c) => c.id === 'hard-time-limit')!;
  assert.match(hard.evidence, /^TimeLimitExceeded after \d+ ms \(soft 0\.3 s, hard 1 s, task sleeps 3 s through SoftTimeLimitExceeded\)/);
  assert.equal(r.checks.find((c) => c.id === 'user-task-1')?.status, 'pass');
  assert.deepEqual(liveManagedProcesses(), []);
});

test('task_create_missing_queues = False: jobctl declares its own queue for the run, no KeyError', async () => {
  const r = await smoke('runtime-no-missing-queues', py[NEW]!);
  assert.deepEqual(notPassed(r), [], r.workerLogExcerpt);
  assert.ok(r.checks.some((c) => c.id === 'retry' && c.status === 'pass'));
});

test("a compose file that sets CELERY_BROKER (Celery's CLI reads it as --broker under click >= 8.2): the worker still uses jobctl's broker", async () => {
  const r = await smoke('runtime-compose-broker-env', py[NEW]!);
  assert.deepEqual(notPassed(r), [], r.workerLogExcerpt);
  assert.ok(r.warnings.some((w) => /CELERY_BROKER pointed at jobctl's broker for the run/.test(w)), r.warnings.join('\n'));
});

test('a start-up failure names the real exception (VersionMismatch), the command, and --json carries the masked log tail', () => {
  const res = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'run.js'), 'smoke-test', path.join(fixturesDir, 'runtime-startup-versionmismatch'), '--python', py[NEW]!, '--json'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 });
  assert.equal(res.status, 3, res.stderr);
  const j = JSON.parse(res.stdout) as { error: { message: string; command: string; workerLogTail: string } };
  assert.match(j.error.message, /exited before it was ready: kombu\.exceptions\.VersionMismatch: Redis transport requires redis-py versions 3\.2\.0 or later/);
  // the command as run: the broker URL travels in the worker's environment, never on its command line
  assert.match(j.error.message, /\(command: .* -m jobctl_worker -A proj\.celery_app:app worker -n jobctl-smoke-/);
  assert.doesNotMatch(j.error.message, /redis:\/\//);
  assert.match(j.error.command, /worker -n jobctl-smoke-/);
  assert.match(j.error.workerLogTail, /raise VersionMismatch\(/);
  assert.doesNotMatch(res.stdout + res.stderr, /[0-9a-f]{36}/);
});

test('a signal handler raising on every task is reported as a warning, not "all passed" in silence', async () => {
  const r = await smoke('runtime-signal-error', py[NEW]!);
  assert.equal(r.exitCode, 0);
  const check = r.checks.find((c) => c.id === 'worker-log-errors')!;
  assert.equal(check.status, 'warn');
  assert.match(check.evidence, /a signal handler raised ×\d+: Signal handler <function record_metrics at 0x[0-9a-f]+> raised: KeyError\('METRICS_ENDPOINT'\)/);
  assert.ok(r.workerLogErrors![0]!.count >= 5, JSON.stringify(r.workerLogErrors));
  assert.ok(r.warnings.some((w) => w.startsWith('worker log: a signal handler raised')));
});

test('Celery 5.2: an ETA with milliseconds is not read as microseconds (the task does not run early)', async () => {
  const python = ensureCeleryVenv('5.2.7');
  const redis = await startOwnRedis();
  const url = `redis://:${redis.password}@127.0.0.1:${redis.port}/0`;
  const backend = `redis://:${redis.password}@127.0.0.1:${redis.port}/1`;
  const t = await RedisCeleryTransport.open({ brokerUrl: url, backendUrl: backend });
  const w = startWorker({ python, app: 'proj.celery_app:celery_app', root: path.join(fixturesDir, 'runtime-good-app'), brokerUrl: url, backendUrl: backend, queue: 'jobctl.smoke.eta52', pool: 'solo', concurrency: 1, secrets: [redis.password] });
  try {
    await w.waitReady(t, 60_000);
    // an ETA 2-3 s ahead whose fraction is .950: read as 950 µs it would run ~0.95 s early
    const eta = new Date(Math.ceil(Date.now() / 1000) * 1000 + 2950);
    const r = await t.call({ task: 'jobctl.echo', args: ['eta'], eta }, { queue: 'jobctl.smoke.eta52', timeoutMs: 15_000 });
    assert.equal(r.result?.status, 'SUCCESS');
    // date_done is naive UTC on 5.2
    const done = new Date(`${r.result!.date_done!.replace(/([+-]\d\d:\d\d|Z)?$/, '')}Z`);
    assert.ok(done.getTime() >= eta.getTime() - 50, `ran at ${done.toISOString()}, ETA ${eta.toISOString()}`);
  } finally {
    await w.stop(2000);
    await t.close();
    await redis.stop();
  }
});

test('Celery 4.4.7 (Python 3.10, pip<24.1) is driven: the good app passes, no "exit code 64"', async () => {
  const python = ensureCeleryVenv('4.4.7');
  const r = await smoke('runtime-good-app', python);
  assert.equal(r.celeryVersion, '4.4.7');
  assert.deepEqual(notPassed(r), [], r.workerLogExcerpt);
  assert.equal(r.checks.find((c) => c.id === 'worker-log-errors')?.status, 'pass', JSON.stringify(r.workerLogErrors));
});

test('an import error under verify names the side; the advice never tells to pip install the project itself', async () => {
  await assert.rejects(smoke('runtime-import-error', py[NEW]!, { side: 'target' }), (err: unknown) => {
    assert.ok(err instanceof UnavailableError);
    assert.match(err.message, /^target side: app proj\.celery_app:celery_app does not import: ModuleNotFoundError/);
    assert.doesNotMatch(err.message, /pip install proj/);
    return true;
  });
});
