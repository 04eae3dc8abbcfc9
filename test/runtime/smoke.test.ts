// jobctl smoke-test against real redis-server and real Celery workers from PyPI (two versions).
// Every test also checks the process table: nothing jobctl started may survive the run.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import { runSmokeTest, type SmokeResult } from '../../src/runtime/smoke.js';
import { loadConfig } from '../../src/engine/config.js';
import { ensureCeleryVenv } from '../../src/runtime/venvs.js';
import { startOwnRedis } from '../../src/runtime/redis-server.js';
import { liveManagedProcesses } from '../../src/runtime/process-group.js';
import { UnavailableError } from '../../src/util/errors.js';
import { repoRoot, fixturesDir } from '../support/fixtures.js';

const OLD = '5.3.6';
const NEW = '5.7.0';
const py: Record<string, string> = {};

before(() => {
  py[OLD] = ensureCeleryVenv(OLD);
  py[NEW] = ensureCeleryVenv(NEW);
});

function processTable(): string[] {
  return execFileSync('ps', ['-eo', 'pid,pgid,args'], { encoding: 'utf8' }).split('\n');
}

/** No worker (matched by jobctl's private queue name, which every pool child inherits in argv) and no
 * redis-server on the run's port is left. */
function assertNoLeftovers(r: Pick<SmokeResult, 'queue' | 'broker'>): void {
  const port = /:(\d+)\/\d+$/.exec(r.broker.url)?.[1];
  const left = processTable().filter((l) => l.includes(r.queue) || (r.broker.owned && port !== undefined && l.includes('redis-server') && l.includes(`:${port}`)));
  assert.deepEqual(left, [], `processes left behind:\n${left.join('\n')}`);
  assert.deepEqual(liveManagedProcesses().map((p) => p.label), []);
}

async function smoke(fixture: string, version: string, extra: Partial<Parameters<typeof runSmokeTest>[0]> = {}): Promise<SmokeResult> {
  const root = path.join(fixturesDir, fixture);
  return runSmokeTest({ root, python: py[version], config: await loadConfig(root), renderer: 'silent', ...extra });
}

function jobctl(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'run.js'), ...args], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test(`good app passes every required check on Celery ${OLD}, processes ended`, async () => {
  const r = await smoke('runtime-good-app', OLD);
  const failed = r.checks.filter((c) => c.status !== 'pass').map((c) => `${c.id}: ${c.evidence}`);
  assert.deepEqual(failed, [], r.workerLogExcerpt);
  assert.equal(r.exitCode, 0);
  assert.equal(r.celeryVersion, OLD);
  for (const id of ['worker-ready', 'tasks-registered', 'echo', 'failure', 'retry', 'eta', 'revoke', 'soft-time-limit', 'hard-time-limit', 'asyncio', 'user-task-1', 'user-task-2', 'user-task-3', 'warm-shutdown', 'password-not-in-logs']) {
    assert.ok(r.checks.some((c) => c.id === id), `missing check ${id}`);
  }
  // 5.3.x prints the broker_connection_retry_on_startup pending deprecation (celery 5.3 consumer.py)
  assert.ok(r.warnings.some((w) => /CPendingDeprecationWarning: .*broker_connection_retry/.test(w)), r.warnings.join('\n'));
  assertNoLeftovers(r);
});

test(`CLI --json on Celery ${NEW}: only JSON on stdout, exit 0, password never shown`, () => {
  const r = jobctl(['smoke-test', path.join(fixturesDir, 'runtime-good-app'), '--python', py[NEW]!, '--json']);
  const parsed = JSON.parse(r.stdout) as SmokeResult;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(parsed.celeryVersion, NEW);
  assert.ok(parsed.checks.every((c) => c.status === 'pass'), JSON.stringify(parsed.checks, null, 1));
  assert.match(parsed.broker.url, /^redis:\/\/:\*\*\*\*@127\.0\.0\.1:\d+\/0$/);
  // the worker's full logs and our output: nothing that looks like the 36-hex-char random password
  assert.doesNotMatch(r.stdout + r.stderr, /[0-9a-f]{36}/);
  assertNoLeftovers(parsed);
});

test('an app that does not import: exit 3 with the Python error, nothing started', async () => {
  await assert.rejects(smoke('runtime-import-error', NEW), (err: unknown) => {
    assert.ok(err instanceof UnavailableError);
    assert.equal(err.exitCode, 3);
    assert.match(err.message, /does not import: ModuleNotFoundError: No module named 'proj\.settings_that_do_not_exist' \(at proj\/celery_app\.py:3\)/);
    return true;
  });
  assert.deepEqual(liveManagedProcesses().map((p) => p.label), []);
  const cli = jobctl(['smoke-test', path.join(fixturesDir, 'runtime-import-error'), '--python', py[NEW]!]);
  assert.equal(cli.code, 3);
  assert.equal(cli.stderr.trim().split('\n').length, 1, cli.stderr);
});

test('seed fixtures: medical-chat passes on Redis; flask-rate-limits names the missing module', async () => {
  const r = await smoke('seed-medical-chat/apps/backend', NEW);
  assert.equal(r.exitCode, 0, JSON.stringify(r.checks.filter((c) => c.status !== 'pass')));
  assert.match(r.checks.find((c) => c.id === 'tasks-registered')!.evidence, /8 app task\(s\) registered: analytics\.performance_report/);
  assert.ok(r.warnings.some((w) => /own broker is sqlalchemy\+sqlite/.test(w)));
  assertNoLeftovers(r);
  await assert.rejects(smoke('seed-flask-rate-limits', NEW), /No module named 'boto3' \(at claude_client\.py:5\); install the distribution that provides boto3 .*\(often `pip install boto3`\)/);
});

test('a task that hangs: the check fails on its timeout, shutdown is forced, nothing hangs', async () => {
  const started = Date.now();
  const r = await smoke('runtime-hang', NEW, { shutdownLimitMs: 2000 });
  assert.equal(r.exitCode, 1);
  assert.match(r.checks.find((c) => c.id === 'user-task-1')!.evidence, /no result within 2 s/);
  const sd = r.checks.find((c) => c.id === 'warm-shutdown')!;
  assert.equal(sd.status, 'fail');
  assert.match(sd.evidence, /still running after 2000 ms/);
  assert.ok(Date.now() - started < 45_000, `took ${Date.now() - started} ms`);
  assertNoLeftovers(r);
});

test(`a worker that crashes mid-run (Celery ${OLD}): clear failure, no orphans`, async () => {
  const r = await smoke('runtime-crash', OLD);
  assert.equal(r.exitCode, 1);
  const c = r.checks.find((x) => x.id === 'user-task-1')!;
  assert.equal(c.status, 'fail');
  assert.match(c.evidence, /worker process exited \(SIGKILL\) while running proj\.crash/);
  assertNoLeftovers(r);
});

test('--broker: a test-started redis is used, not stopped, and a foreign queue is untouched', async () => {
  const own = await startOwnRedis();
  const client = new Redis(own.url(0));
  try {
    const foreign = JSON.stringify({ body: 'e30=', headers: { task: 'someone.elses', id: 'f-1' }, properties: { delivery_tag: 'f-1' } });
    await client.lpush('celery', foreign);
    await client.lpush('billing', foreign);
    const r = await smoke('runtime-good-app', NEW, { broker: own.url(0), allowSharedBroker: true });
    assert.equal(r.exitCode, 0, JSON.stringify(r.checks.filter((c) => c.status !== 'pass')));
    assert.equal(r.broker.owned, false);
    assert.equal(r.checks.find((c) => c.id === 'password-not-in-logs')!.status, 'pass');
    assert.deepEqual(await client.lrange('celery', 0, -1), [foreign]);
    assert.deepEqual(await client.lrange('billing', 0, -1), [foreign]);
    // jobctl's own queue and its bindings are gone
    assert.equal(await client.exists(r.queue), 0);
    for (const key of await client.keys('_kombu.binding.*')) {
      assert.ok((await client.smembers(key)).every((m) => !m.includes(r.queue)), key);
    }
    assert.equal(await client.ping(), 'PONG', 'the user broker must still be running');
    const workerLeft = processTable().filter((l) => l.includes(r.queue));
    assert.deepEqual(workerLeft, []);
  } finally {
    client.disconnect();
    await own.stop();
  }
});

test('SIGINT during a run: exit 130 after printing what was measured, every process ended', async () => {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'run.js'), 'smoke-test', path.join(fixturesDir, 'runtime-hang'), '--python', py[NEW]!, '--json'], { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
  const sawStuck = new Promise<void>((resolve) => {
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (stderr.includes('smoke task proj.stuck')) resolve();
    });
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await Promise.race([sawStuck, exited]);
  child.kill('SIGINT');
  const code = await exited;
  assert.equal(code, 130, stderr);
  const parsed = JSON.parse(stdout) as SmokeResult;
  assert.equal(parsed.interrupted, true);
  assert.ok(parsed.checks.some((c) => c.id === 'echo' && c.status === 'pass'));
  assertNoLeftovers(parsed);
});
