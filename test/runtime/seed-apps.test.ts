// smoke-test and load-test on the seed fixtures' own apps, with the seeds' third-party imports installed
// from PyPI into a cached folder next to the Celery 5.7.0 venv (pinned, --no-deps, so the venv's
// Celery/kombu/click are never shadowed), on a real redis-server started by jobctl.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runSmokeTest } from '../../src/runtime/smoke.js';
import { loadConfig } from '../../src/engine/config.js';
import { loadTest } from '../../src/loadtest/index.js';
import { probeTask } from '../../src/loadtest/environment.js';
import { renderLoadTestText } from '../../src/loadtest/report-text.js';
import { ensureCeleryVenv } from '../../src/runtime/venvs.js';
import { liveManagedProcesses } from '../../src/runtime/process-group.js';
import { sitePackages } from '../plan/support.js';
import { fixturesDir } from '../support/fixtures.js';

let python = '';
/** what seed-scheduler-checklist's worker imports besides Celery (backend/requirements.txt pins; pydantic's own pins for 2.6.1) */
const SCHEDULER_DEPS = ['pydantic-settings==2.6.1', 'pydantic==2.10.3', 'pydantic-core==2.27.1', 'annotated-types==0.7.0', 'python-dotenv==1.0.1', 'prometheus-client==0.21.1', 'sqlalchemy==2.0.36'];
let schedulerSite = '';
/** seed-visualization-fastapi's imports (pyproject: firebase-admin ^6.5, google-generativeai ^0.5, reportlab ^4.1), resolved by pip on 2026-11-29 and pinned here */
const VISUALIZATION_DEPS = ['annotated_types==0.8.0', 'anyio==4.16.0', 'cachecontrol==0.14.4', 'certifi==2026.10.19.post1', 'cffi==2.1.1', 'charset_normalizer==3.5.3', 'cryptography==50.0.2', 'firebase_admin==6.9.0', 'google_ai_generativelanguage==0.6.4', 'google_api_core==2.30.3', 'google_api_python_client==2.202.0', 'google_auth==2.63.0', 'google_auth_httplib2==0.4.4', 'google_cloud_core==2.8.0', 'google_cloud_firestore==2.27.0', 'google_cloud_storage==3.17.1', 'google_crc32c==1.9.0', 'google_generativeai==0.5.4', 'google_resumable_media==2.11.0', 'googleapis_common_protos==1.75.0', 'grpcio==1.85.3', 'grpcio_status==1.62.3', 'h11==0.16.0', 'h2==4.4.1', 'hpack==4.2.0', 'httpcore==1.0.9', 'httplib2==0.32.1', 'httpx==0.28.1', 'hyperframe==6.1.0', 'idna==3.20', 'msgpack==1.2.4', 'pillow==13.0.0', 'proto_plus==1.28.2', 'protobuf==4.25.9', 'pyasn1==0.6.5', 'pyasn1_modules==0.4.2', 'pycparser==3.12', 'pydantic==2.14.4', 'pydantic_core==2.50.5', 'pyjwt==2.15.1', 'pyparsing==3.3.3', 'reportlab==4.5.1', 'requests==2.34.2', 'tqdm==4.70.1', 'typing_extensions==4.16.0', 'typing_inspection==0.4.5', 'uritemplate==4.2.0', 'urllib3==2.8.0'];

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

test('seed visualization-fastapi (Poetry, no requirements file; Firebase + Gemini): smoke-test runs the deployed `celery -A celery_worker` and passes; load-test measures that worker', async () => {
  const site = sitePackages('pydeps-visualization-fastapi', python, VISUALIZATION_DEPS);
  const root = path.join(fixturesDir, 'seed-visualization-fastapi', 'backend');
  // celery_worker.py runs init_firebase() at import: a throwaway service-account file (no network is used at start-up)
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'jobctl-firebase-'));
  try {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const cred = path.join(tmp, 'serviceAccountKey.json');
    writeFileSync(cred, JSON.stringify({ type: 'service_account', project_id: 'jobctl-test', private_key_id: '0', private_key: privateKey, client_email: 'jobctl@jobctl-test.iam.gserviceaccount.com', client_id: '0', token_uri: 'https://oauth2.googleapis.com/token' }));
    const env = { ...process.env, PYTHONPATH: site, FIREBASE_CREDENTIALS_PATH: cred };
    const r = await runSmokeTest({ root, python, config: await loadConfig(root), renderer: 'silent', env });
    assert.equal(r.exitCode, 0, r.checks.filter((c) => c.status === 'fail').map((c) => `${c.id}: ${c.evidence}`).join('\n'));
    // start_celery_worker.sh's -A: celery_worker.py imports the app and its task modules
    assert.equal(r.app, 'celery_worker');
    assert.match(r.checks.find((c) => c.id === 'tasks-registered')!.evidence, /4 app task\(s\) registered: app\.tasks\.export_tasks\.generate_cost_infographic/);
    // pool and concurrency of one command of the script (the prod branch, line 9), never solo from the dev branch with its -c 4
    assert.equal(r.poolChoice?.concurrencySource, 'start_celery_worker.sh:9');
    assert.equal(r.pool, 'prefork');
    assert.deepEqual(liveManagedProcesses(), []);

    // its own tasks call Gemini over the network: the probe task runs in the project's worker (celery_worker loaded)
    const saved = process.env.FIREBASE_CREDENTIALS_PATH;
    process.env.FIREBASE_CREDENTIALS_PATH = cred;
    try {
      const l = await withPythonPath(site, () => loadTest({ root, app: 'celery_worker', ...probeTask('noop'), python, shape: { mode: 'closed', concurrency: 10 }, tasks: 150, sampleIntervalMs: 100 }));
      const text = renderLoadTestText(l);
      assert.equal(l.passed, true, text);
      assert.equal(l.counts.succeeded, 150, text);
      assert.match(text, /worker \.+: celery_worker/);
    } finally {
      if (saved === undefined) delete process.env.FIREBASE_CREDENTIALS_PATH;
      else process.env.FIREBASE_CREDENTIALS_PATH = saved;
    }
    assert.deepEqual(liveManagedProcesses(), []);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('seed gpu-worker (Celery 5.3.x, -c 1): its worker starts without torch (torch/diffusers are imported inside the task), smoke-test passes; load-test runs the probe task in its real worker', async () => {
  // its own task needs torch 2.2.2 + CUDA + the SDXL weights (~7 GB): not installed; only jobctl's probe tasks run in its worker
  const python53 = ensureCeleryVenv('5.3.6');
  const root = path.join(fixturesDir, 'seed-gpu-worker');
  const r = await runSmokeTest({ root, python: python53, config: await loadConfig(root), renderer: 'silent' });
  assert.equal(r.exitCode, 0, r.checks.filter((c) => c.status === 'fail').map((c) => `${c.id}: ${c.evidence}`).join('\n'));
  assert.match(r.checks.find((c) => c.id === 'tasks-registered')!.evidence, /1 app task\(s\) registered: app\.worker\.generate/);
  // the deployed -c 1 (compose/Dockerfile): one GPU, one process
  assert.deepEqual([r.pool, r.concurrency], ['prefork', 1]);
  const l = await loadTest({ root, app: 'app.worker:celery_app', ...probeTask('noop'), python: python53, shape: { mode: 'closed', concurrency: 5 }, tasks: 100, sampleIntervalMs: 100 });
  const text = renderLoadTestText(l);
  assert.equal(l.passed, true, text);
  assert.equal(l.counts.succeeded, 100, text);
  assert.match(text, /prefork ×1/);
  assert.deepEqual(liveManagedProcesses(), []);
});
