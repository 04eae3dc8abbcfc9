// load-test on the seeds' own app and task (-A/--task), not only jobctl's probe app: the medical-chat
// seed's analytics task under real Celery 5.7.0 and a real redis-server.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadTest } from '../../src/loadtest/index.js';
import { ensureCeleryVenv } from '../../src/runtime/venvs.js';
import { liveManagedProcesses } from '../../src/runtime/process-group.js';
import { renderLoadTestText } from '../../src/loadtest/report-text.js';
import { fixturesDir } from '../support/fixtures.js';

let python = '';
before(() => { python = ensureCeleryVenv('5.7.0'); });

test("seed medical-chat: load-test with the seed's own app and task (-A celery_config:celery_app --task analytics.system_health) passes and says it measured the project", async () => {
  const root = path.join(fixturesDir, 'seed-medical-chat', 'apps', 'backend');
  const l = await loadTest({ root, app: 'celery_config:celery_app', task: 'analytics.system_health', args: [], python, shape: { mode: 'closed', concurrency: 10 }, tasks: 150, sampleIntervalMs: 100 });
  const text = renderLoadTestText(l);
  assert.equal(l.passed, true, text);
  assert.equal(l.counts.succeeded, 150, text);
  assert.equal(l.counts.lost, 0);
  assert.doesNotMatch(text, /probe app/i, 'the project was measured, not the probe app');
  assert.match(text, /analytics\.system_health/);
  assert.deepEqual(liveManagedProcesses(), []);
});

test("seed medical-chat: its analytics task on a checkout without data/app.db fails every call, and the load test names the error class and message", async () => {
  const root = path.join(fixturesDir, 'seed-medical-chat', 'apps', 'backend');
  const l = await loadTest({ root, app: 'celery_config:celery_app', task: 'analytics.user_behavior', args: [7], python, shape: { mode: 'closed', concurrency: 10 }, tasks: 50, sampleIntervalMs: 100 });
  assert.equal(l.passed, false);
  assert.match(renderLoadTestText(l), /OperationalError ×50: unable to open database file/);
});
