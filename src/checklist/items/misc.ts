// Serialization security (json only, no pickle) and Celery integration tests.
import type { Evidence, ItemDef } from '../types.js';
import { dependency, depEvidence, findingEvidence, findings, lineOfMatch, setting, settingEvidence, testFiles } from '../facts.js';

export const jsonOnly: ItemDef = {
  id: 'serialization.json-only',
  settings: ['task_serializer', 'result_serializer', 'accept_content', 'result_accept_content'],
  category: 'serialization',
  title: 'JSON only: pickle is not accepted',
  severity: 'critical',
  howDetected: 'audit rule JC501 over `task_serializer`, `result_serializer`, `accept_content`, `result_accept_content`, `event_serializer`',
  fix: "Use `task_serializer = 'json'`, `result_serializer = 'json'`, `accept_content = ['json']`; pass ids instead of objects.",
  sources: [{ title: 'Celery docs, Security: Serializers', ref: 'celery@v5.6.3:docs/userguide/security.rst' }],
  detect(ctx) {
    const bad = findings(ctx, 'JC501');
    if (bad.length > 0) return { status: 'fail', detail: 'pickle is accepted: anyone who can write to the broker runs code on the workers', evidence: bad.map(findingEvidence) };
    const ev: Evidence[] = [];
    for (const name of ['task_serializer', 'result_serializer', 'accept_content', 'result_accept_content']) {
      const s = setting(ctx, name);
      if (s) ev.push(settingEvidence(s));
    }
    return { status: 'pass', detail: ev.length ? 'serializers and accepted content are json' : 'Celery\'s defaults (json only since 4.0)', evidence: ev };
  },
};

/** Signs of tests that run tasks through Celery (an in-process worker, the pytest plugin, pytest-celery). */
const CELERY_TEST = /celery\.contrib\.(testing|pytest)|\bstart_worker\b|\bcelery_worker\b|\bcelery_session_worker\b|pytest_celery|\bcelery_app\b\s*[,)]/;

export const integrationTests: ItemDef = {
  id: 'tests.integration',
  category: 'tests',
  title: 'Celery integration tests run tasks through a real worker',
  severity: 'medium',
  howDetected: 'test files using `celery.contrib.testing` / `celery.contrib.pytest` (`start_worker`, `celery_worker`, `celery_session_worker`) or pytest-celery; `task_always_eager` alone does not count',
  fix: 'Add tests with `celery.contrib.testing.worker.start_worker(app, pool="solo")` or the `celery_worker` pytest fixture, so routing, serialization and retries are exercised.',
  sources: [{ title: 'Celery docs: Testing with Celery', ref: 'celery@v5.6.3:docs/userguide/testing.rst' }],
  detect(ctx) {
    const files = testFiles(ctx);
    const hits = files.filter((f) => CELERY_TEST.test(f.text));
    const dep = dependency(ctx, 'pytest-celery');
    if (hits.length > 0) return { status: 'pass', detail: `${hits.length} test file${hits.length === 1 ? '' : 's'} run tasks through Celery`, evidence: hits.map((f) => ({ file: f.file, line: lineOfMatch(f.text, CELERY_TEST), text: 'Celery test worker / fixtures' })) };
    if (dep) return { status: 'warn', detail: 'pytest-celery is a dependency but no test uses it', evidence: [depEvidence(dep)] };
    const eager = files.filter((f) => /always_eager|ALWAYS_EAGER/.test(f.text));
    if (files.length === 0) return { status: 'fail', detail: 'no tests found' };
    return { status: 'fail', detail: `${files.length} test file${files.length === 1 ? '' : 's'}, none runs a task through Celery${eager.length ? ' (eager mode skips the broker, serialization and routing)' : ''}: tasks are tested by hand`, evidence: files.slice(0, 3).map((f) => ({ file: f.file, line: 1, text: 'no Celery worker or fixtures' })) };
  },
};

export const miscItems: ItemDef[] = [jsonOnly, integrationTests];
