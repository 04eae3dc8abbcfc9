// Pure parts of the runtime commands: reading the worker's real error, grouping run-time log errors,
// install advice, Celery's time format, the deployed pool and its cap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lastException, scanRunErrors } from '../../src/runtime/worker-errors.js';
import { fixForPythonError } from '../../src/runtime/python-errors.js';
import { buildTaskMessage, celeryIsoTime } from '../../src/runtime/protocol.js';
import { choosePoolAndConcurrency, deployedAppSpec } from '../../src/runtime/deployed.js';
import { requireRuntimeCelery } from '../../src/runtime/celery-support.js';
import { compareWithAudit } from '../../src/runtime/asyncio-check.js';
import type { ProjectModel, WorkerCommand } from '../../src/model/types.js';

test('the last exception of the traceback, whatever its class is called', () => {
  const vm = [
    '[2026-11-29 10:00:00,000: CRITICAL/MainProcess] Unrecoverable error: VersionMismatch(\'Redis transport requires redis-py versions 3.2.0 or later. You have 2.10.6\')',
    'Traceback (most recent call last):',
    '  File "/venv/lib/python3.11/site-packages/celery/worker/worker.py", line 203, in start',
    '    self.blueprint.start(self)',
    '  File "/venv/lib/python3.11/site-packages/kombu/transport/redis.py", line 1000, in __init__',
    '    raise VersionMismatch(',
    'kombu.exceptions.VersionMismatch: Redis transport requires redis-py versions 3.2.0 or later. You have 2.10.6',
    '',
  ].join('\n');
  assert.equal(lastException(vm), 'kombu.exceptions.VersionMismatch: Redis transport requires redis-py versions 3.2.0 or later. You have 2.10.6');
  const dj = 'Traceback (most recent call last):\n  File "x.py", line 1, in <module>\n    import y\ndjango.core.exceptions.ImproperlyConfigured: Requested setting INSTALLED_APPS, but settings are not configured.\n';
  assert.match(lastException(dj)!, /^django\.core\.exceptions\.ImproperlyConfigured: Requested setting/);
  const dnf = 'Traceback (most recent call last):\n  File "a", line 2\npkg_resources.DistributionNotFound: The \'kombu>=5.3\' distribution was not found and is required by celery\n';
  assert.match(lastException(dnf)!, /^pkg_resources\.DistributionNotFound: /);
  // chained: the last traceback's exception wins
  const chained = 'Traceback (most recent call last):\n  File "a"\nKeyError: \'jobctl.smoke.1\'\n\nDuring handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n  File "b"\ncelery.exceptions.ImproperlyConfigured: Trying to select queue subset\n';
  assert.match(lastException(chained)!, /^celery\.exceptions\.ImproperlyConfigured: Trying to select queue subset/);
  assert.equal(lastException('Usage: celery [OPTIONS] COMMAND\nTry \'celery --help\' for help.\n\nError: Invalid value for \'-A\': Unable to load celery application.\n'), 'Error: Invalid value for \'-A\': Unable to load celery application.');
  assert.equal(lastException('just some output\n'), null);
});

test('worker-log errors during a run: grouped and counted; jobctl probe noise left out', () => {
  const logs = [
    '[2026-11-29 10:00:00,001: ERROR/ForkPoolWorker-1] Signal handler <function audit at 0x7f00> raised: ValueError(\'boom\')',
    'Traceback (most recent call last):',
    '  File "x", line 1',
    'ValueError: boom',
    '[2026-11-29 10:00:00,002: ERROR/ForkPoolWorker-2] Signal handler <function audit at 0x7f00> raised: ValueError(\'boom\')',
    '[2026-11-29 10:00:00,003: ERROR/ForkPoolWorker-1] Task jobctl.fail[8f7c3a52-5b8e-4a0e-9d55-0f6e0c1d2e3f] raised unexpected: ValueError(\'jobctl probe failure\')',
    '[2026-11-29 10:00:00,004: ERROR/MainProcess] Hard time limit (1.0s) exceeded for jobctl.outlive_soft_limit[8f7c3a52-5b8e-4a0e-9d55-0f6e0c1d2e3f]',
    '[2026-11-29 10:00:00,005: ERROR/MainProcess] Task handler raised error: TimeLimitExceeded(1.0)',
    '[2026-11-29 10:00:00,006: ERROR/MainProcess] Process \'ForkPoolWorker-2\' pid:123 exited with \'signal 9 (SIGKILL)\'',
    '[2026-11-29 10:00:00,007: ERROR/MainProcess] consumer: Cannot connect to redis://:**@127.0.0.1:6379//: Error 111 connecting to 127.0.0.1:6379. Connection refused.',
    '[2026-11-29 10:00:00,008: INFO/ForkPoolWorker-1] Task proj.tasks.sync[8f7c3a52-5b8e-4a0e-9d55-0f6e0c1d2e3f] retry: Retry in 5s: ConnectionError()',
    '[2026-11-29 10:00:00,009: ERROR/ForkPoolWorker-1] Task proj.tasks.neg[8f7c3a52-5b8e-4a0e-9d55-0f6e0c1d2e3f] raised unexpected: ValueError(\'negative\')',
  ].join('\n');
  const errs = scanRunErrors(logs, [/^Task proj\.tasks\.neg\[/]);
  assert.deepEqual(errs.map((e) => [e.kind, e.count]), [['signal-handler', 2], ['connection', 1], ['retry', 1]]);
  assert.match(errs[0]!.message, /^Signal handler <function audit at 0x7f00> raised: ValueError\('boom'\)/);
});

test('ModuleNotFoundError advice names distributions, never the project\'s own package or pkg_resources', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'jobctl-advice-'));
  mkdirSync(path.join(root, 'src', 'shared'), { recursive: true });
  writeFileSync(path.join(root, 'src', 'shared', '__init__.py'), '');
  const appDir = path.join(root, 'backend');
  mkdirSync(appDir);
  assert.doesNotMatch(fixForPythonError("ModuleNotFoundError: No module named 'shared'", appDir, 'py', { projectRoot: root }), /install/);
  assert.match(fixForPythonError("ModuleNotFoundError: No module named 'shared.utils'", appDir, 'py', { projectRoot: root }), /fix the import/);
  const pr = fixForPythonError("ModuleNotFoundError: No module named 'pkg_resources'", appDir, 'py', { projectRoot: root });
  assert.match(pr, /part of setuptools/);
  assert.doesNotMatch(pr, /pip install pkg_resources/);
  // setuptools 82.0.0 removed pkg_resources (measured: gevent 22.10.2's import fails with 82.0.0, not with 81.0.0)
  assert.match(pr, /setuptools<82/);
  const dnf = fixForPythonError("pkg_resources.DistributionNotFound: The 'zope.interface' distribution was not found and is required by the application", appDir, 'py', { projectRoot: root });
  assert.match(dnf, /pip show zope\.interface/);
  assert.match(dnf, /zope_interface-\*\.dist-info/);
  assert.match(dnf, /setuptools>=76,<82/);
  assert.match(fixForPythonError("ModuleNotFoundError: No module named 'yaml'", appDir, 'py', { projectRoot: root }), /install PyYAML/);
  assert.match(fixForPythonError("ModuleNotFoundError: No module named 'boto3'", appDir, 'py', { projectRoot: root }), /pip install boto3/);
});

test('ETA and expires go out as Celery writes them: six fraction digits (Celery <= 5.2 reads the fraction as microseconds)', () => {
  const d = new Date('2026-11-29T10:00:02.950Z');
  assert.equal(celeryIsoTime(d), '2026-11-29T10:00:02.950000+00:00');
  const m = buildTaskMessage({ task: 't', eta: d, expires: d });
  assert.equal(m.headers.eta, '2026-11-29T10:00:02.950000+00:00');
  assert.equal(m.headers.expires, '2026-11-29T10:00:02.950000+00:00');
});

function wc(p: Partial<WorkerCommand>): WorkerCommand {
  return { source: 'compose', file: 'docker-compose.yml', loc: { file: 'docker-compose.yml', line: 7, column: 1 }, raw: '', argv: [], subcommand: 'worker', app: 'proj', pool: null, concurrency: null, queues: [], ...p };
}
const modelWith = (w: WorkerCommand[]): ProjectModel => ({ workerCommands: w } as unknown as ProjectModel);

test('deployed pool and concurrency by default, capped on a small machine with a note; flags override', () => {
  const gevent = choosePoolAndConcurrency({ model: modelWith([wc({ pool: 'gevent', concurrency: 500, processName: 'worker' })]), app: 'proj.celery_app:app' });
  assert.equal(gevent.pool, 'gevent');
  assert.equal(gevent.concurrency, 50);
  assert.equal(gevent.cappedFrom, 500);
  assert.match(gevent.note!, /deployed concurrency 500 \(docker-compose\.yml:7 \(worker\)\) capped to 50 greenlets.*--full-concurrency/);
  assert.equal(choosePoolAndConcurrency({ model: modelWith([wc({ pool: 'gevent', concurrency: 500 })]), app: 'proj', full: true }).concurrency, 500);
  const pre = choosePoolAndConcurrency({ model: modelWith([wc({ concurrency: 3 })]), app: 'proj' });
  assert.deepEqual([pre.pool, pre.concurrency, pre.note], ['prefork', 3, undefined]);
  const flags = choosePoolAndConcurrency({ model: modelWith([wc({ pool: 'gevent', concurrency: 500 })]), app: 'proj', flagPool: 'solo', flagConcurrency: 1 });
  assert.deepEqual([flags.pool, flags.concurrency, flags.poolSource], ['solo', 1, '--pool']);
  // another app's worker is not this app's deployment
  const other = choosePoolAndConcurrency({ model: modelWith([wc({ app: 'billing', pool: 'gevent', concurrency: 9 })]), app: 'proj', settingsPool: 'threads' });
  assert.deepEqual([other.pool, other.concurrency], ['threads', 2]);
});

test('pool and concurrency come from one deployed command: a dev branch (--pool=solo) and a prod branch (-c 4) never make solo -c 4', () => {
  const script = (line: number, p: Partial<WorkerCommand>): WorkerCommand => wc({ source: 'shell', file: 'start_celery_worker.sh', loc: { file: 'start_celery_worker.sh', line, column: 1 }, app: 'celery_worker', ...p });
  const c = choosePoolAndConcurrency({ model: modelWith([script(9, { concurrency: 4 }), script(13, { pool: 'solo' })]), app: 'celery_worker' });
  assert.deepEqual([c.pool, c.concurrency, c.poolSource, c.concurrencySource], ['prefork', 4, 'start_celery_worker.sh:9 (no -P: prefork)', 'start_celery_worker.sh:9']);
  const d = choosePoolAndConcurrency({ model: modelWith([script(13, { pool: 'solo' }), script(9, { concurrency: 4 })]), app: 'celery_worker' });
  assert.deepEqual([d.pool, d.concurrency, d.poolSource], ['solo', 2, 'start_celery_worker.sh:13']);
});

test('the deployed -A wins when it names a module that imports the app (celery -A celery_worker, app in app/celery_app.py)', () => {
  const files = [
    { file: 'celery_worker.py', kind: 'python', text: 'from app.core.firebase import init_firebase\ninit_firebase()\nfrom app.celery_app import celery_app  # noqa\n' },
    { file: 'other.py', kind: 'python', text: 'print(1)\n' },
  ];
  const model = { workerCommands: [wc({ app: 'celery_worker' })], files } as unknown as ProjectModel;
  assert.equal(deployedAppSpec(model, { module: 'app.celery_app', variable: 'celery_app' }), 'celery_worker');
  // a -A module that does not import the app says nothing about it
  assert.equal(deployedAppSpec({ workerCommands: [wc({ app: 'other' })], files } as unknown as ProjectModel, { module: 'app.celery_app', variable: 'celery_app' }), null);
  // two different -A values: no guess
  assert.equal(deployedAppSpec({ workerCommands: [wc({ app: 'celery_worker' }), wc({ app: 'other' })], files } as unknown as ProjectModel, { module: 'app.celery_app', variable: 'celery_app' }), null);
});

test('Celery before 4.4 is refused in one line naming the version found', () => {
  assert.throws(() => requireRuntimeCelery({ celeryVersion: '3.1.26', python: '/v/bin/python' }), /runtime commands need Celery >= 4\.4 .*found Celery 3\.1\.26 in \/v\/bin\/python/);
  requireRuntimeCelery({ celeryVersion: '4.4.7', python: 'p' });
  requireRuntimeCelery({ celeryVersion: '5.7.0', python: 'p' });
});

test('asyncio probe vs the audit: agreement and disagreement are said', () => {
  const f = [{ ruleId: 'JC205', where: 'proj/tasks.py:12' }];
  assert.match(compareWithAudit(f, { inFlight: 50, failed: 12, sample: 'RuntimeError: x' }, 'gevent')!, /confirms the audit \(JC205 proj\/tasks\.py:12\)/);
  assert.match(compareWithAudit(f, { inFlight: 50, failed: 0, sample: null }, 'gevent')!, /disagree/);
  assert.equal(compareWithAudit([], { inFlight: 4, failed: 0, sample: null }, 'threads'), null);
});
