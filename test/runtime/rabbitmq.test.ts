// jobctl's RabbitMQ runtime against a real rabbitmq-server (Debian's 3.10 here) and real Celery
// 5.6.3 and 5.7.0 workers: the private node, smoke-test (classic + RPC results, quorum + Redis
// results), a short load-test, a broker jobctl did not start, Ctrl-C. Every test checks that no
// beam/epmd of jobctl's is left, no temp folder, and no password on any command line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import amqp from 'amqplib';
import { runSmokeTest, type SmokeResult } from '../../src/runtime/smoke.js';
import { loadTest } from '../../src/loadtest/index.js';
import { loadConfig } from '../../src/engine/config.js';
import { ensureCeleryVenv } from '../../src/runtime/venvs.js';
import { findRabbitmqServer, startOwnRabbit, rabbitPasswordHash, type OwnRabbit } from '../../src/runtime/rabbitmq-server.js';
import { liveManagedProcesses } from '../../src/runtime/process-group.js';
import { quorumQosFailure } from '../../src/runtime/worker.js';
import { repoRoot, fixturesDir } from '../support/fixtures.js';

const haveRabbit = findRabbitmqServer() !== null;
const skip = haveRabbit ? false : 'rabbitmq-server is not installed (.ci/run installs it)';
const py: Record<string, string> = {};
/** a node started by the test, standing in for a user's own broker (reused by the --broker tests) */
let userBroker: OwnRabbit | null = null;

before(() => {
  if (!haveRabbit) return;
  py['5.6.3'] = ensureCeleryVenv('5.6.3');
  py['5.7.0'] = ensureCeleryVenv('5.7.0');
});

after(async () => { await userBroker?.stop(); });

/** Command lines of this test's processes and everything they started (other work on the machine is
 * not ours to judge): beam, epmd, the Celery worker, a jobctl CLI child. */
function commandLines(): string[] {
  const parent = new Map<number, number>();
  const args = new Map<number, string>();
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      args.set(Number(d), readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ').trim());
    } catch { /* gone */ }
  }
  const ours = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; p = parent.get(p) ?? 0, hops++) if (p === process.pid) return true;
    return false;
  };
  return [...args].filter(([pid]) => ours(pid)).map(([, a]) => a);
}

function assertNoSecretsOnCommandLines(secrets: string[]): void {
  for (const line of commandLines()) {
    for (const s of secrets) assert.ok(!line.includes(s), `a password is on a command line: ${line.slice(0, 200)}`);
    assert.ok(!/(amqp|redis):\/\/[^\s/@]*:[^\s*@/]+@/.test(line), `credentials in a URL on a command line: ${line.slice(0, 200)}`);
  }
}

/** beam/epmd processes started from a folder of this test run (TMPDIR is the run's scratch folder). */
function ourErlangProcesses(): string[] {
  const tmp = os.tmpdir();
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (!/beam|epmd|erl_child_setup|inet_gethost/.test(args)) continue;
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      // the node standing in for a user's broker is the test's own, not jobctl's
      if (userBroker && (cwd.startsWith(userBroker.dir) || args.includes(userBroker.dir))) continue;
      if (cwd.startsWith(tmp) || args.includes(tmp)) out.push(`${pid} cwd=${cwd} ${args.slice(0, 160)}`);
    } catch { /* gone, or not ours to read */ }
  }
  return out;
}

function assertNothingLeft(): void {
  assert.deepEqual(ourErlangProcesses(), [], 'beam/epmd left behind');
  assert.deepEqual(readdirSync(os.tmpdir()).filter((d) => d.startsWith('jobctl-rabbit-') && !(userBroker && path.basename(userBroker.dir) === d)), [], 'temp folder left behind');
  assert.deepEqual(liveManagedProcesses().map((p) => p.label).filter((l) => !(userBroker && l.includes(userBroker.nodename)) && l !== 'epmd'), []);
}

async function smoke(fixture: string, version: string, extra: Partial<Parameters<typeof runSmokeTest>[0]> = {}): Promise<SmokeResult> {
  const root = path.join(fixturesDir, fixture);
  return runSmokeTest({ root, python: py[version], config: await loadConfig(root), renderer: 'silent', ...extra });
}

function failedChecks(r: SmokeResult): string[] {
  return r.checks.filter((c) => c.required && c.status !== 'pass').map((c) => `${c.id}: ${c.evidence}`);
}

async function queueExists(url: string, name: string): Promise<boolean> {
  const c = await amqp.connect(url);
  try {
    const ch = await c.createChannel();
    ch.on('error', () => undefined);
    await ch.checkQueue(name);
    return true;
  } catch {
    return false;
  } finally {
    await c.close().catch(() => undefined);
  }
}

test('the private node: loopback, own epmd, user from definitions (no guest), no password on a command line, nothing left', { skip }, async () => {
  const r = await startOwnRabbit();
  try {
    assert.match(r.nodename, /^jobctl-[0-9a-f]{8}@localhost$/);
    assert.ok(r.startupMs > 0);
    // the definitions file holds a salted hash, never the password; the hash is RabbitMQ's sha256 scheme
    const defs = readFileSync(path.join(r.dir, 'definitions.json'), 'utf8');
    assert.ok(!defs.includes(r.password));
    const hash = (JSON.parse(defs) as { users: { password_hash: string }[] }).users[0]!.password_hash;
    assert.equal(rabbitPasswordHash(r.password, Buffer.from(hash, 'base64').subarray(0, 4)), hash);
    assertNoSecretsOnCommandLines([r.password]);
    // epmd is jobctl's own, on its own port, loopback only; beam is one of this process's descendants
    assert.ok(commandLines().some((l) => l.includes(`epmd -port ${r.epmdPort} -address 127.0.0.1`)));
    assert.ok(commandLines().some((l) => l.includes('beam.smp') && l.includes(r.dir)));
    // only jobctl's user exists; guest is refused
    assert.deepEqual((await r.ctl(['list_users', '-q', '-s'])).trim().split('\n').map((l) => l.split('\t')[0]), ['jobctl']);
    await assert.rejects(amqp.connect(`amqp://guest:guest@127.0.0.1:${r.port}/`), /ACCESS.REFUSED/);
    assert.match(r.logTail(200), new RegExp(`started TCP listener on 127\\.0\\.0\\.1:${r.port}`));
  } finally {
    await r.stop();
  }
  assert.ok(!existsSync(r.dir));
  assertNothingLeft();
});

test('smoke-test: an amqp:// app (RPC results, classic queue) on jobctl\'s own RabbitMQ node, Celery 5.7.0', { skip }, async () => {
  let seen: string[] = [];
  let sawWorker = false;
  const sampler = setInterval(() => {
    const lines = commandLines();
    if (lines.some((l) => l.includes('jobctl_worker') && l.includes('worker'))) sawWorker = true;
    seen = seen.concat(lines.filter((l) => /:\/\/[^\s/@]*:[^\s*@/]+@|requirepass/.test(l)));
  }, 700);
  let r: SmokeResult;
  try {
    r = await smoke('runtime-rabbitmq-app', '5.7.0');
  } finally {
    clearInterval(sampler);
  }
  assert.deepEqual(failedChecks(r), [], r.workerLogExcerpt);
  assert.equal(r.exitCode, 0);
  assert.equal(r.broker.kind, 'rabbitmq', 'chosen from the app\'s amqp:// broker');
  assert.equal(r.broker.owned, true);
  assert.equal(r.broker.queueType, 'classic');
  assert.equal(r.broker.resultBackend, 'rpc');
  assert.ok(r.checks.some((c) => c.id === 'user-task-1' && c.status === 'pass'));
  assert.deepEqual(seen, [], 'credentials on a command line during the run');
  assert.ok(sawWorker, 'the sampler never saw the worker (the check above would be empty)');
  assertNothingLeft();
});

test('smoke-test and load-test on a broker jobctl did not start: quorum queue, Redis results, Celery 5.6.3; only jobctl\'s objects touched', { skip }, async () => {
  userBroker = await startOwnRabbit();
  const url = userBroker.url();
  // another app's queue with a message in it, on the same vhost
  const c = await amqp.connect(url);
  const ch = await c.createChannel();
  await ch.assertQueue('other.app', { durable: true });
  ch.sendToQueue('other.app', Buffer.from('keep me'), { persistent: true });
  await ch.close();
  await c.close();
  const list = async (what: 'queues' | 'exchanges'): Promise<string[]> => (await userBroker!.ctl([`list_${what}`, '-p', userBroker!.vhost, '-q', '-s', 'name'])).trim().split('\n').sort();
  const before = { queues: await list('queues'), exchanges: await list('exchanges') };

  try {
    await againstUserBroker(url, before, list);
  } finally {
    await userBroker.stop();
    userBroker = null;
  }
  assertNothingLeft();
});

async function againstUserBroker(url: string, before: { queues: string[]; exchanges: string[] }, list: (what: 'queues' | 'exchanges') => Promise<string[]>): Promise<void> {
  const r = await smoke('runtime-rabbitmq-quorum', '5.6.3', { broker: url });
  assert.deepEqual(failedChecks(r), [], r.workerLogExcerpt);
  assert.equal(r.broker.owned, false);
  assert.equal(r.broker.queueType, 'quorum', 'the app declares task_default_queue_type=quorum');
  assert.equal(r.broker.resultBackend, 'redis');
  assert.ok(!r.broker.url.includes(userBroker!.password));
  // the worker declared jobctl's queue as a quorum queue (and, as Celery >= 5.5 does with quorum
  // queues, the native delayed delivery topology); afterwards all of it is gone again
  assert.equal(await queueExists(url, r.queue), false, 'jobctl queue left behind');

  const lt = await loadTest({
    root: path.join(fixturesDir, 'runtime-rabbitmq-quorum'), app: 'proj.celery_app:app', python: py['5.7.0']!, broker: url,
    task: 'proj.tasks.add', args: [2, 3], kwargs: {}, shape: { mode: 'closed', concurrency: 10 }, tasks: 150, drainTimeoutMs: 20_000,
  });
  assert.equal(lt.counts.published, 150);
  assert.equal(lt.counts.succeeded, 150, JSON.stringify(lt.counts));
  assert.equal(lt.counts.lost, 0);
  assert.match(lt.environment.broker, /RabbitMQ, quorum queue/);

  assert.deepEqual({ queues: await list('queues'), exchanges: await list('exchanges') }, before, 'objects left on the broker jobctl did not start');
  const c2 = await amqp.connect(url);
  const ch2 = await c2.createChannel();
  assert.equal((await ch2.checkQueue('other.app')).messageCount, 1, "another app's message was touched");
  await c2.close();
  assertNoSecretsOnCommandLines([userBroker!.password]);
}

test('Ctrl-C during `jobctl smoke-test` on RabbitMQ: exit 130, beam, epmd, worker and temp folder gone', { skip }, async () => {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'run.js'), 'smoke-test', path.join(fixturesDir, 'runtime-rabbitmq-app'), '--python', py['5.7.0']!], {
    cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // interrupt once the worker is up (the node, epmd and the worker all running)
  const deadline = Date.now() + 90_000;
  while (!/❯ the app's tasks are registered/.test(stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  assert.ok(ourErlangProcesses().length > 0, `the node is not running: ${stderr.slice(-500)}`);
  child.kill('SIGINT');
  assert.equal(await exited, 130, stderr.slice(-800));
  assertNothingLeft();
});

test('jobctl killed with SIGKILL while its node runs: the watchdogs end beam and epmd and remove the folder', { skip }, async () => {
  const mod = pathToFileURL(path.join(repoRoot, 'dist', 'src', 'runtime', 'rabbitmq-server.js')).href;
  const child = spawn(process.execPath, ['--input-type=module', '-e', `const { startOwnRabbit } = await import(${JSON.stringify(mod)}); const r = await startOwnRabbit(); process.stdout.write(r.dir + '\\n'); setInterval(() => undefined, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const dir = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; if (out.includes('\n')) resolve(out.trim()); });
    child.once('exit', (code) => reject(new Error(`node exited ${code} before the node was up`)));
  });
  const running = (): string[] => ourErlangProcesses().filter((l) => l.includes(`cwd=${dir} `));
  try {
    assert.ok(existsSync(dir));
    assert.ok(running().some((l) => l.includes('beam.smp')), `beam is not running: ${ourErlangProcesses().join('\n')}`);
    assert.ok(running().some((l) => l.includes('epmd')), 'epmd is not running');
  } finally {
    child.kill('SIGKILL');
  }
  const deadline = Date.now() + 15_000;
  while ((running().length > 0 || existsSync(dir)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(running(), [], 'beam/epmd survived jobctl');
  assert.ok(!existsSync(dir), 'temp folder left behind');
});

test('a broker-restart drill\'s crash and restart: stopNode(SIGKILL) ends beam and its children, startNode brings the node back on the same port with its durable data', { skip }, async () => {
  const r = await startOwnRabbit();
  try {
    const c = await amqp.connect(r.url());
    const ch = await c.createConfirmChannel();
    await ch.assertQueue('jobctl.durable', { durable: true });
    ch.sendToQueue('jobctl.durable', Buffer.from('survives'), { persistent: true });
    await ch.waitForConfirms();
    await c.close();
    const beamPid = r.process().pid;
    await r.stopNode({ signal: 'SIGKILL' });
    assert.deepEqual(ourErlangProcesses().filter((l) => l.includes(`cwd=${r.dir} `) && !l.includes('epmd')), [], 'beam or a child survived the crash');
    assert.ok(ourErlangProcesses().some((l) => l.includes('epmd')), 'epmd must stay for the restart');
    const ms = await r.startNode();
    assert.ok(ms > 0 && r.process().pid !== beamPid);
    const c2 = await amqp.connect(r.url());
    const ch2 = await c2.createChannel();
    assert.equal((await ch2.checkQueue('jobctl.durable')).messageCount, 1, 'a persistent message in a durable queue is kept across the crash');
    await c2.close();
  } finally {
    await r.stop();
  }
  assertNothingLeft();
});

test('a quorum queue refused to an old Celery (global QoS) is named as the cause, not "connection lost"', () => {
  // the line a Celery 5.2.7 worker logged on jobctl's quorum queue (RabbitMQ 3.10.8)
  const logs = "[2026-11-29 20:40:01,000: ERROR/MainProcess] consumer: Connection to broker lost. Trying to re-establish the connection...\namqp.exceptions.AMQPNotImplementedError: Basic.consume: (540) NOT_IMPLEMENTED - queue 'jobctl.smoke.fcdd3293' in vhost 'jobctl' does not support global qos\n";
  assert.match(quorumQosFailure(logs) ?? '', /'jobctl\.smoke\.fcdd3293' is a quorum queue.*global QoS.*Celery >= 5\.5/);
  assert.equal(quorumQosFailure('consumer: Connection to broker lost. Trying to re-establish the connection...'), null);
});
