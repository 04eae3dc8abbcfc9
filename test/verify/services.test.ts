// verify on a monorepo rehearses each worker service apart (its own requirement files, venv pair,
// app, summary), and on a full `pip freeze` file the target side moves only the pins the upgrade
// moves. Real PyPI packages, real workers, a real redis-server started by jobctl on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { runVerify } from '../../src/verify/index.js';
import { workerServices } from '../../src/verify/services.js';
import { applyCheckedFix, blockedPin } from '../../src/verify/settle.js';
import { buildProjectModel } from '../../src/model/index.js';
import { renderVerifyText } from '../../src/verify/render.js';
import { ownModuleNames, summarizeSides } from '../../src/verify/summary.js';
import { checkoutFixture, fixturesDir, removeDir, repoRoot } from '../support/fixtures.js';

const cacheEnv = { ...process.env, JOBCTL_CACHE_DIR: path.join(repoRoot, '.cache', 'jobctl-test') };

test('worker services: each folder with its own requirements and a Celery app with tasks; a one-folder project is not split', async () => {
  const mono = await buildProjectModel(path.join(fixturesDir, 'runtime-monorepo-services'));
  assert.deepEqual(workerServices(mono).map((s) => [s.folder, s.files, s.app]), [
    ['services/api', ['services/api/requirements.txt'], 'app.celery_app:app'],
    ['services/worker', ['services/worker/requirements.txt'], 'app.celery_app:app'],
  ]);
  assert.deepEqual(workerServices(await buildProjectModel(path.join(fixturesDir, 'runtime-django-queues'))), []);
  assert.deepEqual(workerServices(await buildProjectModel(path.join(fixturesDir, 'runtime-full-freeze'))), []);
});

test('monorepo: one rehearsal per worker service, each from its own requirement file (their redis pins differ: the union would not install), its own app and venvs', async () => {
  const dir = checkoutFixture('runtime-monorepo-services');
  try {
    const r = await runVerify({ root: dir, to: '5.7.0', stages: ['deps', 'import', 'smoke'], renderer: 'silent', env: cacheEnv });
    assert.equal(r.stages.length, 0, 'no merged rehearsal');
    assert.deepEqual(r.services?.map((s) => s.service.folder), ['services/api', 'services/worker']);
    const [api, worker] = r.services!;
    const lines = (s: typeof api, side: 'current' | 'target'): string => s!.stages.find((x) => x.id === 'deps')![side]!.evidence[0]!;
    assert.match(lines(api, 'current'), /^requirements from services\/api\/requirements\.txt with celery==5\.3\.6: celery\[redis\]==5\.3\.6 kombu==5\.3\.4 redis==4\.6\.0 six==1\.16\.0$/);
    assert.match(lines(worker, 'current'), /^requirements from services\/worker\/requirements\.txt with celery==5\.3\.6: celery\[redis\]==5\.3\.6 kombu==5\.3\.4 redis==5\.0\.1 idna==3\.7$/);
    assert.doesNotMatch(lines(api, 'target'), /idna/);
    assert.doesNotMatch(lines(worker, 'target'), /six/);
    // each service's own tasks (the api imports six, the worker idna: only its own venv has it)
    for (const [s, tasks] of [[api, 1], [worker, 2]] as const) {
      for (const side of s!.summary!) assert.deepEqual([side.freshInstall, side.imports, side.tasksRegistered, side.smoke], ['OK', 'OK', tasks, 'OK'], `${s!.service.folder} ${side.role}: ${JSON.stringify(s!.stages)}`);
    }
    // each side of each service had a venv of its own
    const venvs = r.services!.flatMap((s) => (['current', 'target'] as const).map((side) => /venv (\S+)/.exec(s.stages.find((x) => x.id === 'import')![side]!.evidence.find((e) => e.startsWith('venv '))!)![1]));
    assert.equal(new Set(venvs).size, 4, venvs.join(' '));
    assert.equal(r.ok, true);
    // "settings changed from defaults" lists Celery's settings only
    assert.ok(worker!.stages.find((x) => x.id === 'import')!.current!.evidence.includes('settings changed from defaults: broker_url, include, task_default_queue, worker_prefetch_multiplier'));
    const text = renderVerifyText(r, { color: false });
    assert.match(text, /— service services\/api\n {4}this service's own requirements: services\/api\/requirements\.txt/);
    assert.match(text, /2 worker service\(s\) rehearsed apart/);
  } finally {
    removeDir(dir);
  }
});

test('full freeze → 5.7.0: the target changes Celery and exactly the pins the plan changes, keeps every other pin, and installs and runs', async () => {
  const dir = checkoutFixture('runtime-full-freeze');
  try {
    const r = await runVerify({ root: dir, to: '5.7.0', stages: ['deps', 'import', 'smoke'], renderer: 'silent', env: cacheEnv });
    const deps = r.stages.find((s) => s.id === 'deps')!;
    const line = deps.target!.evidence[0]!;
    const target = new Map(line.split(': ')[1]!.split(' ').map((l) => { const m = /^([A-Za-z0-9._-]+)(\[[^\]]*\])?(.*)$/.exec(l)!; return [m[1]!, m[3]!]; }));
    // kept exactly as frozen (a target that relaxes everything fails here)
    for (const [name, pin] of [['gunicorn', '==21.2.0'], ['idna', '==3.7'], ['six', '==1.16.0'], ['vine', '==5.1.0'], ['wcwidth', '==0.2.12'], ['prompt-toolkit', '==3.0.43'], ['tzdata', '==2023.3']]) assert.equal(target.get(name!), pin, `${name} kept: ${line}`);
    // moved, because the plan says the target needs it (a target that relaxes nothing fails here)
    assert.equal(target.get('celery'), '==5.7.0');
    assert.equal(target.get('kombu'), '==5.7.0');
    for (const name of ['amqp', 'billiard', 'click', 'click-repl', 'redis', 'python-dateutil']) assert.doesNotMatch(target.get(name)!, /^==(5\.2\.0|4\.2\.0|8\.1\.7|0\.3\.0|4\.6\.0|2\.8\.2)$/, `${name} moved: ${line}`);
    assert.equal(target.size, 18, 'no requirement added or dropped');
    assert.ok(deps.target!.evidence.includes('every other pin kept as written'));
    // celery[redis] 5.7.0 -> kombu[redis] 5.7.0 pins packaging==26.3: the plan's own edit moves the freeze's
    // packaging pin now, so the rehearsal has no pin left that the plan misses (pip's fallback stays silent)
    assert.equal(target.get('packaging'), '==26.3');
    assert.ok(!deps.target!.evidence.some((e) => /^pin the plan does not list/.test(e)), deps.target!.evidence.join('\n'));
    const tgt = r.summary!.find((s) => s.role === 'target')!;
    assert.deepEqual([tgt.freshInstall, tgt.imports, tgt.tasksRegistered, tgt.smoke], ['OK', 'OK', 1, 'OK'], JSON.stringify(r.stages));
    // the current side is the freeze as it is
    assert.match(deps.current!.evidence[0]!, /amqp==5\.2\.0 billiard==4\.2\.0 celery\[redis\]==5\.3\.4 click==8\.1\.7/);
  } finally {
    removeDir(dir);
  }
});

test("pip's conflict lines: the user's exact pin another package excludes; Celery itself is never relaxed", () => {
  const reqs = [{ name: 'tzdata', extras: [], specifier: '==2023.3' }, { name: 'celery', extras: [], specifier: '==5.6.2' }, { name: 'redis', extras: [], specifier: '==5.0.1' }];
  assert.deepEqual(blockedPin(['The conflict is caused by:', 'The user requested tzdata==2023.3', 'kombu 5.6.2 depends on tzdata>=2025.2'], reqs), { name: 'tzdata', need: '>=2025.2', line: 'kombu 5.6.2 depends on tzdata>=2025.2' });
  assert.deepEqual(blockedPin(['The user requested redis==5.0.1', 'kombu[redis] 5.7.0 depends on redis<9.0.0 and >=6.4.0; extra == "redis"'], reqs)?.need, '<9.0.0,>=6.4.0');
  assert.equal(blockedPin(['The user requested celery==5.6.2', 'django-celery-beat 2.5.0 depends on celery<5.4,>=5.2.3'], reqs), null);
});

test("a set that installs but would not run: the resolver's checked fix replaces that line only, named as an edit the plan misses", () => {
  const reqs = [{ name: 'kombu', extras: [], specifier: '==5.7.0', where: 'requirements.txt:9' }, { name: 'idna', extras: [], specifier: '==3.7', where: 'requirements.txt:8' }];
  const fix = { kind: 'redis-bump' as const, summary: 'request kombu[redis]', requirements: [], edits: [{ name: 'kombu', action: 'replace' as const, file: 'requirements.txt', where: 'requirements.txt:9', line: 'kombu[redis]==5.7.0', pep508: 'kombu[redis]==5.7.0' }] };
  const r = applyCheckedFix(reqs, fix);
  assert.deepEqual(r.reqs.map((x) => [x.name, x.extras, x.specifier]), [['kombu', ['redis'], '==5.7.0'], ['idna', [], '==3.7']]);
  assert.match(r.changes[0]!.why, /^resolver fix the plan does not make: request kombu\[redis\]/);
  assert.deepEqual(applyCheckedFix(reqs, null).reqs, reqs);
});

test("summary: an import failing on the project's own module is not a broken fresh install; a missing distribution is", () => {
  const stage = (msg: string) => [{ id: 'import' as const, title: 'import', status: 'fail' as const, durationMs: 0, evidence: [], current: { celery: '5.7.0', status: 'fail' as const, durationMs: 0, evidence: [`app x does not import: ${msg}`], figures: {} } }];
  const own = ownModuleNames(['core/logger.py', 'celery_app/celery_worker.py']);
  assert.match(summarizeSides([{ role: 'current', celery: '5.7.0' }], stage("ModuleNotFoundError: No module named 'core' (at celery_worker.py:3)"), own)[0]!.freshInstall, /^OK$/);
  assert.match(summarizeSides([{ role: 'current', celery: '5.7.0' }], stage("ModuleNotFoundError: No module named 'idna' (at app/tasks.py:2)"), own)[0]!.freshInstall, /^broken \(ModuleNotFoundError: No module named 'idna'/);
});
