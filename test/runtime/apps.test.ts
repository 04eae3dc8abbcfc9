// Fixture apps shaped like real projects (Django with restricted queues and a postrun handler, Flask
// with conf.update(app.config), a gevent crawler with asyncio tasks) pass smoke-test and load-test
// with their deployed pool; real Celery 5.7.0 with Django/Flask/gevent from PyPI, real redis-server.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { runSmokeTest, type SmokeResult } from '../../src/runtime/smoke.js';
import { loadTest } from '../../src/loadtest/index.js';
import { loadConfig } from '../../src/engine/config.js';
import { ensureCeleryVenv } from '../../src/runtime/venvs.js';
import { liveManagedProcesses } from '../../src/runtime/process-group.js';
import { renderLoadTestText } from '../../src/loadtest/report-text.js';
import { fixturesDir } from '../support/fixtures.js';

let python = '';
before(() => { python = ensureCeleryVenv('5.7.0-apps'); });

async function smoke(fixture: string): Promise<SmokeResult> {
  const root = path.join(fixturesDir, fixture);
  return runSmokeTest({ root, python, config: await loadConfig(root), renderer: 'silent' });
}
const failed = (r: SmokeResult): string[] => r.checks.filter((c) => c.status === 'fail' && c.required).map((c) => `${c.id}: ${c.evidence}`);

async function load(fixture: string, app: string, task: string, args: unknown[]) {
  return loadTest({ root: path.join(fixturesDir, fixture), app, task, args, python, shape: { mode: 'closed', concurrency: 20 }, tasks: 200, sampleIntervalMs: 100 });
}

test('Django, restricted queues (task_create_missing_queues=False) and a task_postrun handler: smoke and load pass with the deployed -c 6 (capped)', async () => {
  const r = await smoke('runtime-django-queues');
  assert.deepEqual(failed(r), [], r.workerLogExcerpt);
  assert.equal(r.exitCode, 0);
  assert.equal(r.poolChoice!.concurrencySource, 'docker-compose.yml:11 (worker)');
  assert.ok(r.concurrency <= 6);
  assert.equal(r.checks.find((c) => c.id === 'worker-log-errors')?.status, 'pass', JSON.stringify(r.workerLogErrors));
  const l = await load('runtime-django-queues', 'mysite', 'shop.tasks.order_total', [[1.5, 2.25]]);
  assert.equal(l.passed, true, renderLoadTestText(l));
  assert.equal(l.counts.succeeded, 200);
  assert.equal(l.environment.pool, 'prefork');
  assert.deepEqual(liveManagedProcesses(), []);
});

test('Flask with celery.conf.update(app.config) and an app-context Task: smoke and load pass with the Procfile concurrency', async () => {
  const r = await smoke('runtime-flask-factory');
  assert.deepEqual(failed(r), [], r.workerLogExcerpt);
  assert.equal(r.concurrency, 3);
  assert.equal(r.poolChoice!.concurrencySource, 'Procfile:2 (worker)');
  assert.match(r.checks.find((c) => c.id === 'user-task-1')!.evidence, /app says hello to ada/);
  const l = await load('runtime-flask-factory', 'app.celery_worker:celery', 'app.tasks.greet', ['x']);
  assert.equal(l.passed, true, renderLoadTestText(l));
});

test('gevent crawler with asyncio tasks: deployed gevent -c 200 capped to 50 with a note; concurrent asyncio probes confirm the audit\'s JC205; load passes', async () => {
  const r = await smoke('runtime-gevent-asyncio');
  assert.deepEqual(failed(r), [], r.workerLogExcerpt);
  assert.equal(r.pool, 'gevent');
  assert.equal(r.concurrency, 50);
  assert.ok(r.warnings.some((w) => /deployed concurrency 200 .* capped to 50 greenlets .*--full-concurrency/.test(w)), r.warnings.join('\n'));
  const asyncio = r.checks.find((c) => c.id === 'asyncio')!;
  assert.match(asyncio.title, /gevent pool, 50 at once/);
  // asyncio.run in greenlets that run at the same time collides; the audit flagged the inline form
  assert.equal(asyncio.status, 'fail');
  assert.match(asyncio.evidence, /confirms the audit \(JC205 proj\/tasks\.py:\d+\)/);
  const l = await load('runtime-gevent-asyncio', 'proj.celery_app:app', 'proj.tasks.crawl_batch', [3]);
  assert.equal(l.passed, true, renderLoadTestText(l));
  assert.equal(l.environment.pool, 'gevent');
  assert.equal(l.environment.workerConcurrency, 50);
});

test('load-test: a signal handler raising on every task is an error class of its own; the probe app is named as what was measured', async () => {
  const l = await load('runtime-signal-error', 'proj.celery_app:app', 'proj.tasks.add', [1, 2]);
  assert.equal(l.counts.failed, 0);
  assert.equal(l.workerLogErrors?.[0]?.kind, 'signal-handler');
  assert.ok(l.workerLogErrors![0]!.count >= 100, JSON.stringify(l.workerLogErrors));
  assert.match(renderLoadTestText(l), /worker log errors \.+: \d+ logged while tasks ran[\s\S]*KeyError\('METRICS_ENDPOINT'\)[\s\S]*PASSED \(thresholds met; the worker logged errors/);
  const probe = await loadTest({ root: path.join(fixturesDir, 'runtime-signal-error'), task: 'jobctl_loadprobe.fail', args: [], python, shape: { mode: 'closed', concurrency: 10 }, tasks: 50 });
  assert.match(probe.notes![0]!, /jobctl's probe app was measured .*not your project's app/);
  assert.match(renderLoadTestText(probe), /NOTE: jobctl's probe app was measured/);
  // errors show type and message
  assert.match(renderLoadTestText(probe), /ValueError ×50: /);
});
