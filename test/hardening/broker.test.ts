// A shared broker stays untouched (probe.md D4, D25, D29, D15, D28, D16, D18): another app's
// pending, unacked and delayed messages (direct, topic and fanout exchanges) and its other keys are
// byte-identical after smoke-test, load-test and verify; no password on any command line during the runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { ensureCeleryVenv } from '../../src/runtime/venvs.js';
import { startOwnRedis, type OwnRedis } from '../../src/runtime/redis-server.js';
import { fixturesDir, repoRoot } from '../support/fixtures.js';
import { jobctl, show } from '../support/cli.js';
import { removeTmp, settle, startJobctl, survivorsOf } from './helpers.js';

const PW = 'S3cr3tMarker_B1';
let py = '';
let redis: OwnRedis;
let client: Redis;
const good = path.join(fixturesDir, 'runtime-good-app');

// another application's messages, through kombu itself: two pending per exchange type, one of each
// fetched without ack by a consumer that then crashed (os._exit), and a Celery task with an ETA
const SEED = `
import os, sys, time
from kombu import Connection, Exchange, Queue
with Connection(sys.argv[1]) as c:
    # fanout: Redis keeps only the binding (kombu PUBLISHes fanout messages, nothing is stored);
    # on a channel of its own, since a channel with a fanout queue keeps no unacked entries for get()
    fch = c.channel()
    fq = Queue('audit_log', Exchange('broadcast', type='fanout'))
    fq(fch).declare()
    c.Producer(fch).publish({'audit': 1}, exchange=fq.exchange, declare=[fq])
    ch = c.channel()
    qs = [Queue('billing', Exchange('billing', type='direct'), routing_key='billing'),
          Queue('billing_events', Exchange('events', type='topic'), routing_key='billing.#')]
    p = c.Producer(ch)
    for q in qs:
        q(ch).declare()
        rk = 'billing.charge' if q.name == 'billing_events' else q.routing_key
        for i in range(2):
            p.publish({'invoice': i, 'q': q.name}, exchange=q.exchange, routing_key=rk, declare=[q])
    p.publish({'delayed': True}, exchange=qs[0].exchange, routing_key='billing', declare=[qs[0]],
              headers={'eta': '2099-01-01T00:00:00+00:00', 'task': 'billing.charge', 'id': 'eta-1'})
    held = [q(ch).get(no_ack=False) for q in qs]  # kept referenced: never acked, never rejected
    client = ch.client
    for tag in client.hkeys('unacked'):
        client.zadd('unacked_index', {tag: time.time() - 7200})
    client.set('app:config', 'x' * 100)
    client.hset('app:hash', mapping={'a': '1', 'b': '2'})
    client.set('app:ttl', 'v', ex=3600)
    # another app's live worker: its pidbox binding and binding deadline (kombu >= 5.7)
    client.sadd('_kombu.binding.celery.pidbox', '\\x06\\x16\\x06\\x16other@host.celery.pidbox')
    client.zadd('_kombu.binding_deadlines', {'celery.pidbox': int(time.time() * 1000) + 3600_000})
    # another app's event monitor (flower) that stopped two hours ago: kombu >= 5.7 keeps its expiring
    # queue's binding table with a deadline, now overdue; a kombu 5.7 consumer sweeps such tables
    evq = Queue('celeryev.other-monitor', Exchange('celeryev', type='topic'), routing_key='worker.#', expires=60)
    evq(ch).declare()
    client.zadd('_kombu.binding_deadlines', {'celeryev': int(time.time() * 1000) - 7200_000})
    os._exit(0)  # a crashed consumer: inside the with block, so kombu never restores its unacked messages
`;

async function snapshot(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let db = 0; db < 2; db++) {
    await client.select(db);
    let cursor = '0';
    do {
      const [next, keys] = await client.scanBuffer(cursor, 'COUNT', 500);
      cursor = String(next);
      for (const k of keys) {
        const dump = await client.dumpBuffer(k);
        const ttl = await client.pttl(k);
        out.set(`${db}/${k.toString('latin1')}`, `${dump?.toString('base64')} ttl:${ttl > 0 ? 'yes' : ttl}`);
      }
    } while (cursor !== '0');
  }
  await client.select(0);
  return out;
}

function diff(a: Map<string, string>, b: Map<string, string>): string[] {
  const d: string[] = [];
  for (const [k, v] of a) if (b.get(k) !== v) d.push(`${b.has(k) ? 'changed' : 'deleted'}: ${JSON.stringify(k)}`);
  for (const k of b.keys()) if (!a.has(k)) d.push(`added: ${JSON.stringify(k)}`);
  return d;
}

before(async () => {
  py = ensureCeleryVenv('5.7.0');
  redis = await startOwnRedis();
  client = new Redis(redis.url(0));
  await client.config('SET', 'requirepass', PW);
  await client.auth(PW);
  execFileSync(py, ['-c', SEED, `redis://:${PW}@127.0.0.1:${redis.port}/0`]);
});
after(async () => {
  client.disconnect();
  await redis.stop();
});

const broker = (): string => `redis://:${PW}@127.0.0.1:${redis.port}/0`;

/** the stopped monitor's binding table and overdue deadline, put back if a run swept them (so each run meets them) */
let monitorBinding: string[] = [];
async function staleMonitorBinding(): Promise<void> {
  if (monitorBinding.length) await client.sadd('_kombu.binding.celeryev', ...monitorBinding);
  await client.zadd('_kombu.binding_deadlines', Date.now() - 7200_000, 'celeryev');
}

test('seeded: another app has pending, unacked (aged) and delayed messages', async () => {
  assert.equal(await client.hlen('unacked'), 2);
  assert.equal(await client.llen('billing_events'), 1);
  assert.equal(await client.llen('billing'), 2);
  assert.equal(await client.scard('_kombu.binding.broadcast'), 1);
  monitorBinding = await client.smembers('_kombu.binding.celeryev');
  assert.equal(monitorBinding.length, 1);
  assert.ok(Number(await client.zscore('_kombu.binding_deadlines', 'celeryev')) < Date.now(), 'the monitor\'s binding deadline is overdue');
});

test('D4: a non-empty --broker database is refused before anything starts (exit 2), keyspace identical', async () => {
  const before = await snapshot();
  const r = await jobctl(['smoke-test', good, '--python', py, '--broker', broker()], { timeoutMs: 60_000 });
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /holds \d+ key\(s\) of other applications.*--allow-shared-broker/);
  assert.ok(!(r.stdout + r.stderr).includes(PW));
  assert.deepEqual(diff(before, await snapshot()), []);
});

for (const cmd of [['smoke-test'], ['load-test', '-n', '300', '-c', '10']]) {
  test(`D4/D25/D29: ${cmd[0]} --allow-shared-broker: the whole keyspace is byte-identical afterwards, no password in any argv`, async () => {
    await staleMonitorBinding();
    const before = await snapshot();
    // the URL through the environment (JOBCTL_BROKER), so that not even jobctl's own argv holds it
    const b = startJobctl([cmd[0]!, good, '--python', py, '--allow-shared-broker', ...cmd.slice(1)], { env: { JOBCTL_BROKER: broker() } });
    const code = await b.done;
    assert.equal(code, 0, b.stdout() + b.stderr());
    assert.deepEqual(diff(before, await snapshot()), []);
    const leaks = [...b.cmdlines].filter((c) => c.includes(PW));
    assert.deepEqual(leaks, [], 'a password on a process command line');
    assert.ok(b.cmdlines.size > 0);
    assert.ok(!(b.stdout() + b.stderr()).includes(PW));
    await settle(500);
    assert.deepEqual(survivorsOf(b.tmp), []);
    removeTmp(b);
  });
}

test('verify never uses a broker it did not start: the app\'s broker URL, CELERY_BROKER_URL and JOBCTL_BROKER name the shared one, its keyspace stays byte-identical', async () => {
  // verify has no --broker: its smoke and load stages run on jobctl's own redis-server, whatever the
  // app's config, the environment or JOBCTL_BROKER say (the fixture reads its broker from REDIS_URL)
  const proj = mkdtempSync(path.join(os.tmpdir(), 'jobctl-verify-shared-'));
  try {
    cpSync(good, proj, { recursive: true });
    writeFileSync(path.join(proj, 'requirements.txt'), 'celery[redis]==5.7.0\n');
    await staleMonitorBinding();
    const before = await snapshot();
    const b = startJobctl(['verify', proj, '--stages', 'import,smoke,load', '--load-tasks', '100'], {
      env: { JOBCTL_CACHE_DIR: path.join(repoRoot, '.cache', 'jobctl-hardening'), REDIS_URL: broker(), CELERY_BROKER_URL: broker(), JOBCTL_BROKER: broker() },
    });
    const code = await b.done;
    assert.equal(code, 0, b.stdout() + b.stderr());
    assert.match(b.stdout(), /smoke — a real worker passes/);
    assert.deepEqual(diff(before, await snapshot()), []);
    assert.deepEqual([...b.cmdlines].filter((c) => c.includes(PW)), [], 'a password on a process command line');
    assert.ok(!(b.stdout() + b.stderr()).includes(PW));
    await settle(500);
    assert.deepEqual(survivorsOf(b.tmp), []);
    removeTmp(b);
  } finally {
    rmSync(proj, { recursive: true, force: true });
  }
});

test('D6/D32: an ACL password with `@` and `:` in --broker is masked whole in load-test text and HTML; the HTML says "not enough data", not "growth -: insufficient-data"', async () => {
  const acl = 'S3cr3t@Marker:B2';
  await client.call('ACL', 'SETUSER', 'probeuser', 'on', `>${acl}`, '~*', '&*', '+@all');
  const url = `redis://probeuser:${acl}@127.0.0.1:${redis.port}/0`;
  const html = path.join(os.tmpdir(), `jobctl-acl-${process.pid}.html`);
  try {
    const before = await snapshot();
    const r = await jobctl(['load-test', good, '--python', py, '--allow-shared-broker', '--broker', url, '-n', '20', '-c', '5', '--report', html], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, show(r));
    const page = readFileSync(html, 'utf8');
    for (const [name, text] of [['stdout', r.stdout], ['stderr', r.stderr], ['html', page]] as const) {
      assert.ok(!/Marker|S3cr3t/.test(text), `${name} shows part of the password: ${text.split('\n').find((l) => /Marker|S3cr3t/.test(l))}`);
    }
    assert.match(r.stdout, /redis:\/\/probeuser:\*\*\*\*@127\.0\.0\.1:\d+\/0/);
    // 20 tasks are too few for a leak verdict: said in words, with no empty growth figure
    assert.match(page, /id="memory"/);
    assert.match(page, /not enough data for a leak verdict/);
    assert.doesNotMatch(page, /growth -|insufficient-data/);
    assert.deepEqual(diff(before, await snapshot()), []);
  } finally {
    rmSync(html, { force: true });
    await client.call('ACL', 'DELUSER', 'probeuser');
  }
});

test("D29: jobctl's own redis-server has no --requirepass on its command line", async () => {
  const b = startJobctl(['smoke-test', good, '--python', py]);
  await b.done;
  // this run's processes only (other runs on the machine may have their own redis-server)
  const redisLines = [...b.ownCmdlines].filter((c) => c.includes('redis-server'));
  assert.ok(redisLines.length > 0, 'redis-server was not seen');
  assert.deepEqual(redisLines.filter((c) => /requirepass|[0-9a-f]{36}/.test(c)), []);
  assert.ok([...b.ownCmdlines].some((c) => / -m (celery|jobctl_worker) /.test(c)), 'the worker was not seen');
  assert.deepEqual([...b.ownCmdlines].filter((c) => /celery .*(-b |--broker|--result-backend|redis:\/\/)/.test(c)), []);
  removeTmp(b);
});

test('D15: a wrong password is "authentication failed" (exit 3), not "not reachable"', async () => {
  for (const url of [`redis://:wrongpw@127.0.0.1:${redis.port}/0`, `redis://127.0.0.1:${redis.port}/0`]) {
    const r = await jobctl(['smoke-test', good, '--python', py, '--broker', url], { timeoutMs: 60_000 });
    assert.equal(r.code, 3, show(r));
    assert.match(r.stderr, /authentication failed/);
    assert.doesNotMatch(r.stderr, /not reachable/);
  }
});

test('D28: a remote --broker is refused before Python or the app is looked at', async () => {
  for (const cmd of ['smoke-test', 'load-test']) {
    const t0 = Date.now();
    const r = await jobctl([cmd, good, '--python', '/nonexistent/python', '--broker', 'redis://user:p@ss@10.0.0.1:6379/0']);
    assert.equal(r.code, 2, show(r));
    assert.match(r.stderr, /not a loopback address/);
    assert.ok(!r.stderr.includes('ss@10.0.0.1'), r.stderr);
    assert.ok(Date.now() - t0 < 15_000);
  }
});

test('D16: a mistyped --app is "module not found", never "pip install <typo>"', async () => {
  const r = await jobctl(['smoke-test', good, '--python', py, '--app', 'nonexistent.module'], { timeoutMs: 60_000 });
  assert.equal(r.code, 3, show(r));
  assert.match(r.stderr, /module nonexistent(\.module)? not found in .*check --app/);
  assert.doesNotMatch(r.stderr, /pip install/);
});

test('D18: an unwritable --report is refused before the load test runs', async () => {
  const t0 = Date.now();
  const r = await jobctl(['load-test', good, '--python', py, '-n', '20', '--report', '/nonexistent/dir/x.html'], { timeoutMs: 60_000 });
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /cannot write the report \(ENOENT\)/);
  assert.ok(Date.now() - t0 < 5000, 'the run happened before the refusal');
});
