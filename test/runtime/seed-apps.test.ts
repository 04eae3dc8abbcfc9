// smoke-test and load-test on the seed fixtures' own apps, with the seeds' third-party imports installed
// from PyPI into a cached folder next to the Celery 5.7.0 venv (pinned, --no-deps, so the venv's
// Celery/kombu/click are never shadowed), on a real redis-server started by jobctl.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { runSmokeTest } from '../../src/runtime/smoke.js';
import { loadConfig } from '../../src/engine/config.js';
import { loadTest } from '../../src/loadtest/index.js';
import { renderLoadTestText } from '../../src/loadtest/report-text.js';
import { ensureCeleryVenv } from '../../src/runtime/venvs.js';
import { liveManagedProcesses } from '../../src/runtime/process-group.js';
import { sitePackages } from '../plan/support.js';
import { fixturesDir } from '../support/fixtures.js';

let python = '';
/** what seed-scheduler-checklist's worker imports besides Celery (backend/requirements.txt pins; pydantic's own pins for 2.6.1) */
const SCHEDULER_DEPS = ['pydantic-settings==2.6.1', 'pydantic==2.10.3', 'pydantic-core==2.27.1', 'annotated-types==0.7.0', 'python-dotenv==1.0.1', 'prometheus-client==0.21.1', 'sqlalchemy==2.0.36'];
let schedulerSite = '';

before(() => {
  python = ensureCeleryVenv('5.7.0');
  schedulerSite = sitePackages('pydeps-scheduler-checklist', python, SCHEDULER_DEPS);
});

/** loadTest reads the caller's process environment: PYTHONPATH for the run only */
async function withPythonPath<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const before = process.env.PYTHONPATH;
  process.env.PYTHONPATH = dir;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.PYTHONPATH;
    else process.env.PYTHONPATH = before;
  }
}

test('seed scheduler-checklist (FastAPI + pydantic-settings, three queues): smoke-test passes on its real app', async () => {
  const root = path.join(fixturesDir, 'seed-scheduler-checklist', 'backend');
  const r = await runSmokeTest({ root, python, config: await loadConfig(root), renderer: 'silent', env: { ...process.env, PYTHONPATH: schedulerSite } });
  const failed = r.checks.filter((c) => c.status === 'fail').map((c) => `${c.id}: ${c.evidence}`);
  assert.equal(r.exitCode, 0, failed.join('\n'));
  assert.equal(r.ok, true);
  assert.equal(r.app, 'app.core.celery_app:celery_app');
  // its own tasks, from the app's `include`, are registered in the real worker
  const registered = r.checks.find((c) => c.id === 'tasks-registered')!;
  assert.match(registered.evidence, /app\.notifications\.tasks\.send_email/);
  assert.deepEqual(liveManagedProcesses(), []);
});

test('seed scheduler-checklist: load-test of its own send_email task (-A app.core.celery_app:celery_app --task ...) passes and measures the project', async () => {
  const root = path.join(fixturesDir, 'seed-scheduler-checklist', 'backend');
  const l = await withPythonPath(schedulerSite, () => loadTest({
    root, app: 'app.core.celery_app:celery_app', task: 'app.notifications.tasks.send_email', args: ['ops@example.org', 'subject', 'body'],
    python, shape: { mode: 'closed', concurrency: 10 }, tasks: 150, sampleIntervalMs: 100,
  }));
  const text = renderLoadTestText(l);
  assert.equal(l.passed, true, text);
  assert.equal(l.counts.succeeded, 150, text);
  assert.equal(l.counts.lost, 0);
  assert.doesNotMatch(text, /probe app/i);
  assert.deepEqual(liveManagedProcesses(), []);
});
