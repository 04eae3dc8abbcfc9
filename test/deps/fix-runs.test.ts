// Every fix the resolver proposes must itself install AND run: each is installed into a real venv
// (pip, from PyPI) and a real worker connects to a real redis-server and answers a task. The trap
// sets themselves are installed too, as controls: they must fail with the exact symptom predicted.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkInstall, type Requirement } from '../../src/deps/index.js';
import { parseRequirement } from '../../src/deps/pep508.js';
import { startOwnRedis, findRedisServer, type OwnRedis } from '../../src/runtime/redis-server.js';
import { spawnGroup } from '../../src/runtime/process-group.js';
import { repoRoot } from '../support/fixtures.js';

const BASE_PYTHON = process.env.JOBCTL_TEST_PYTHON ?? 'python3.11';
const PY = '3.11';

function reqs(lines: string[]): Requirement[] {
  return lines.map((l, i) => ({ ...parseRequirement(l)!, where: `requirements.txt:${i + 1}` }));
}

/** A cached venv with exactly these requirement lines: built in a temp folder, renamed into place. */
function venvFor(lines: string[]): string {
  const key = createHash('sha256').update(`${BASE_PYTHON}\n${[...lines].sort().join('\n')}`).digest('hex').slice(0, 12);
  const root = path.join(repoRoot, '.cache', 'venvs');
  const dir = path.join(root, `deps-fix-${key}`);
  const python = path.join(dir, 'bin', 'python');
  if (existsSync(path.join(dir, '.jobctl-ready'))) return python;
  mkdirSync(root, { recursive: true });
  const building = path.join(root, `.building-deps-fix-${key}-${process.pid}`);
  rmSync(building, { recursive: true, force: true });
  execFileSync(BASE_PYTHON, ['-m', 'venv', building], { stdio: 'ignore' });
  execFileSync(path.join(building, 'bin', 'python'), ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', ...lines], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 10 * 60_000 });
  writeFileSync(path.join(building, '.jobctl-ready'), `${lines.join('\n')}\n`);
  try {
    renameSync(building, dir);
  } catch {
    rmSync(building, { recursive: true, force: true }); // another process won the race: use theirs
  }
  return python;
}

const APP = `import os
from celery import Celery

app = Celery('fixapp', broker=os.environ['JOBCTL_BROKER'], backend=os.environ['JOBCTL_BROKER'])
app.conf.broker_connection_retry_on_startup = False
app.conf.broker_connection_max_retries = 0


@app.task
def ping():
    return 'pong'
`;

let redis: OwnRedis | null = null;
after(async () => {
  await redis?.stop();
});

async function broker(): Promise<OwnRedis> {
  redis ??= await startOwnRedis();
  return redis;
}

function appDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'jobctl-fixapp-'));
  writeFileSync(path.join(dir, 'fixapp.py'), APP);
  return dir;
}

/** Sends one task to its own queue and waits for the answer (the client connects like the worker does). */
function sendPing(python: string, dir: string, url: string, queue: string, timeoutS: number): { ok: boolean; output: string } {
  const code = `import fixapp, sys\nr = fixapp.ping.apply_async(queue=${JSON.stringify(queue)})\nprint(r.get(timeout=${timeoutS}))\n`;
  const r = spawnSync(python, ['-c', code], { cwd: dir, env: { PATH: process.env.PATH, HOME: process.env.HOME, JOBCTL_BROKER: url }, encoding: 'utf8', timeout: (timeoutS + 30) * 1000 });
  return { ok: r.status === 0 && r.stdout.trim() === 'pong', output: `${r.stdout}\n${r.stderr}` };
}

const haveTools = findRedisServer() !== null && spawnSync(BASE_PYTHON, ['-c', 'import venv'], { stdio: 'ignore' }).status === 0;

const TRAPS: { name: string; lines: string[]; kind: 'redis-bump' | 'kombu-line-pin' }[] = [
  { name: 'celery==5.4.0 + redis==5.0.1 (no extra)', lines: ['celery==5.4.0', 'redis==5.0.1'], kind: 'redis-bump' },
  { name: 'celery[redis]==5.4.0 + redis==5.0.1 (the extra caps redis-py below 6)', lines: ['celery[redis]==5.4.0', 'redis==5.0.1'], kind: 'kombu-line-pin' },
  // packaging present: the transport loads, and refuses redis-py with VersionMismatch
  { name: 'celery==5.6.3 + redis==5.0.1 + packaging', lines: ['celery==5.6.3', 'redis==5.0.1', 'packaging'], kind: 'redis-bump' },
];

for (const t of TRAPS) {
  test(`trap ${t.name}: fails as predicted, and the proposed fix installs and runs a worker`, { skip: !haveTools && 'needs redis-server and python3.11', timeout: 20 * 60_000 }, async () => {
    const check = checkInstall(reqs(t.lines), { python: PY, usesRedis: true });
    assert.ok(check.traps.length > 0, 'the trap is predicted');
    if (t.lines.includes('packaging')) assert.deepEqual(check.traps.map((x) => x.id), ['redis-transport-refuses-redis-py']);
    assert.equal(check.fix?.kind, t.kind);
    const r = await broker();
    const dir = appDir();
    try {
      // control: the trap set installs, and the first broker connection fails with a predicted symptom
      const trapPython = venvFor(t.lines);
      const failed = sendPing(trapPython, dir, r.url(1), `jobctl-deps-${process.pid}-trap`, 5);
      assert.equal(failed.ok, false, 'the trap set must not work');
      const predicted = check.traps.map((x) => x.symptom);
      assert.ok(predicted.some((s) => failed.output.includes(s)), `expected one of ${JSON.stringify(predicted)} in:\n${failed.output.slice(-1500)}`);

      // the fix: installs, a worker starts, connects and answers
      const fixPython = venvFor(check.fix!.requirements);
      const queue = `jobctl-deps-${process.pid}-${t.kind}`;
      let log = '';
      const worker = spawnGroup(fixPython, ['-m', 'celery', '-A', 'fixapp', 'worker', '-P', 'solo', '-Q', queue, '--without-gossip', '--without-mingle', '--without-heartbeat', '-l', 'INFO'], {
        label: 'celery worker', cwd: dir, env: { PATH: process.env.PATH, HOME: process.env.HOME, JOBCTL_BROKER: r.url(1), PYTHONUNBUFFERED: '1' }, onOutput: (c) => { log += c; },
      });
      try {
        const answered = sendPing(fixPython, dir, r.url(1), queue, 60);
        assert.ok(answered.ok, `the fixed set must run a worker (${check.fix!.requirements.join(' ')}):\n${answered.output.slice(-1500)}\nworker:\n${log.slice(-1500)}`);
        // sendPing blocks the event loop (spawnSync): let the worker's buffered output arrive
        for (let i = 0; i < 50 && !/Connected to redis:\/\//.test(log); i++) await new Promise((res) => setTimeout(res, 100));
        assert.match(log, /Connected to redis:\/\//);
      } finally {
        await worker.stopGroup(5000);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
