// Signals at every phase of smoke-test and load-test (probe.md D3, D12, D13, D31): no process jobctl
// started survives, no temp file stays, the exit code says which signal (130/143), and an
// interrupted run never says "all passed".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureCeleryVenv } from '../../src/runtime/venvs.js';
import { fixturesDir } from '../support/fixtures.js';
import { leftoverFiles, removeTmp, settle, startJobctl, survivorsOf, type Background } from './helpers.js';

let py = '';
let hang = '';
const good = path.join(fixturesDir, 'runtime-good-app');

before(() => {
  py = ensureCeleryVenv('5.7.0');
  // an app whose import blocks (a module that waits at import time)
  hang = mkdtempSync(path.join(os.tmpdir(), 'jobctl-hang-import-'));
  mkdirSync(path.join(hang, 'proj'));
  writeFileSync(path.join(hang, 'proj', '__init__.py'), '');
  writeFileSync(path.join(hang, 'proj', 'celery_app.py'), 'import time\nfrom celery import Celery\ntime.sleep(3600)\napp = Celery("proj")\n');
  writeFileSync(path.join(hang, 'jobctl.yaml'), 'app: proj.celery_app:app\n');
});
after(() => rmSync(hang, { recursive: true, force: true }));

/** the run's celery worker is up (its TMPDIR is under the run's scratch folder) */
async function workerRunning(b: Background): Promise<boolean> {
  for (let i = 0; i < 600; i++) {
    if (survivorsOf(b.tmp).some((l) => / -m (celery|jobctl_worker) /.test(l))) return true;
    await settle(100);
  }
  return false;
}

async function assertNothingLeft(b: Background): Promise<void> {
  await settle(1500);
  assert.deepEqual(survivorsOf(b.tmp), [], 'processes jobctl started are still running');
  assert.deepEqual(leftoverFiles(b.tmp), [], 'temp files left behind');
  removeTmp(b);
}

test('D3: a second Ctrl-C during smoke-test kills redis-server and the worker, exit 130', async () => {
  const b = startJobctl(['smoke-test', good, '--python', py]);
  assert.ok(await b.waitFor(/✔ remote-control ping/), b.stderr());
  const running = survivorsOf(b.tmp);
  assert.ok(running.some((l) => /redis-server/.test(l)) && running.some((l) => / -m (celery|jobctl_worker) /.test(l)), running.join('\n'));
  b.child.kill('SIGINT');
  await settle(300);
  b.child.kill('SIGINT');
  assert.equal(await b.done, 130, b.stderr());
  assert.match(b.stderr(), /interrupted again; every process jobctl started was killed/);
  await assertNothingLeft(b);
});

test('D32: one Ctrl-C mid-run: exit 130, and "interrupted after N check(s)" counts the checks that ran, not the skipped ones', async () => {
  const b = startJobctl(['smoke-test', good, '--python', py]);
  assert.ok(await b.waitFor(/✔ remote-control ping/), b.stderr());
  b.child.kill('SIGINT');
  assert.equal(await b.done, 130, b.stdout() + b.stderr());
  const out = b.stdout();
  const ran = out.split('\n').filter((l) => /^[✔✖!] /.test(l)).length;
  const skipped = out.split('\n').filter((l) => /^↓ /.test(l)).length;
  assert.ok(skipped > 0, `nothing was skipped: ${out}`);
  assert.match(out, new RegExp(`interrupted after ${ran} check\\(s\\)`), out);
  assert.doesNotMatch(out, /all required checks passed/);
  await assertNothingLeft(b);
});

test('D12: SIGKILL of jobctl itself: its watchdogs end redis-server, the worker and its pool', async () => {
  const b = startJobctl(['smoke-test', good, '--python', py]);
  assert.ok(await b.waitFor(/✔ remote-control ping/), b.stderr());
  assert.ok(survivorsOf(b.tmp).some((l) => /redis-server/.test(l)), 'redis-server not seen');
  b.child.kill('SIGKILL');
  assert.equal(await b.done, 137);
  await assertNothingLeft(b);
});

test('D12: SIGKILL of jobctl during load-test', async () => {
  const b = startJobctl(['load-test', good, '--python', py, '-n', '100000', '-c', '20']);
  assert.ok(await workerRunning(b), b.stderr());
  await settle(2500);
  b.child.kill('SIGKILL');
  await b.done;
  await assertNothingLeft(b);
});

for (const [sig, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
  test(`D13: ${sig} during the final warm shutdown is not swallowed: exit ${code}, not "all passed"`, async () => {
    const b = startJobctl(['smoke-test', good, '--python', py]);
    // the last check of the fixture; the warm shutdown starts right after it
    assert.ok(await b.waitFor(/✔ smoke task proj\.tasks\.fetch_double/), b.stderr());
    b.child.kill(sig);
    assert.equal(await b.done, code, b.stdout() + b.stderr());
    assert.doesNotMatch(b.stdout(), /all required checks passed/);
    assert.match(b.stdout(), /interrupted after \d+ check/);
    await assertNothingLeft(b);
  });

  test(`D31: ${sig} while the app is being imported: exit ${code} with a message, nothing left`, async () => {
    const b = startJobctl(['smoke-test', hang, '--python', py]);
    await settle(3000);
    const t0 = Date.now();
    b.child.kill(sig);
    assert.equal(await b.done, code, b.stderr());
    assert.ok(Date.now() - t0 < 10_000, 'took too long to stop');
    assert.match(b.stderr(), /interrupted/);
    await assertNothingLeft(b);
  });
}

test('load-test: SIGTERM mid-load reports what was measured, exit 143', async () => {
  const b = startJobctl(['load-test', good, '--python', py, '-n', '100000', '-c', '20']);
  assert.ok(await workerRunning(b), b.stderr());
  await settle(2500);
  b.child.kill('SIGTERM');
  assert.equal(await b.done, 143, b.stderr());
  assert.match(b.stdout(), /INTERRUPTED/);
  await assertNothingLeft(b);
});

test("D14: jobctl's redis-server killed mid-run: exit 3 naming the broker, not a failed check", async () => {
  const b = startJobctl(['smoke-test', good, '--python', py]);
  assert.ok(await b.waitFor(/✔ remote-control ping/), b.stderr());
  const redis = survivorsOf(b.tmp).find((l) => /redis-server/.test(l));
  assert.ok(redis, 'redis-server not found');
  process.kill(Number(redis.split(' ')[0]), 'SIGKILL');
  assert.equal(await b.done, 3, b.stdout() + b.stderr());
  assert.match(b.stdout(), /the broker stopped answering/);
  assert.doesNotMatch(b.stdout(), /all required checks passed/);
  await assertNothingLeft(b);
});

test('D14: the worker killed from outside (SIGKILL of its main process) during a jobctl probe: exit 3 naming the worker, like load-test, not a failed check (an app task that kills it stays a failed check: test/runtime)', async () => {
  const b = startJobctl(['smoke-test', good, '--python', py]);
  assert.ok(await b.waitFor(/✔ remote-control ping/), b.stderr());
  const workers = survivorsOf(b.tmp).filter((l) => / -m (celery|jobctl_worker) /.test(l)).map((l) => Number(l.split(' ')[0]));
  // the main process: the one whose parent is not itself a worker process (the pool children's is)
  const ppid = (pid: number): number => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1]);
  const main = workers.find((p) => !workers.includes(ppid(p)));
  assert.ok(main, `worker not found among ${workers.join(', ')}`);
  process.kill(main, 'SIGKILL');
  assert.equal(await b.done, 3, b.stdout() + b.stderr());
  assert.match(b.stdout(), /the worker was killed by SIGKILL from outside jobctl/);
  assert.match(b.stdout(), /exit 3: worker unavailable/);
  assert.doesNotMatch(b.stdout(), /all required checks passed|required check\(s\) failed/);
  await assertNothingLeft(b);
});
