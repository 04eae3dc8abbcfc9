// JC205 against real workers (Celery 5.7.0, gevent from PyPI: venv .cache/venvs/celery-5.7.0-apps) on a redis-server this
// test starts on loopback: asyncio started inside tasks collides under -P gevent (greenlets share the thread's running
// loop) and works under -P threads. JC205 must fire for the gevent worker, stay silent for the threads one, and quote
// the errors the real worker raised.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runAudit } from '../../src/engine/audit.js';
import { rule as jc205 } from '../../src/rules/JC205-asyncio-under-greenlet-pool.js';
import { startOwnRedis } from '../../src/runtime/redis-server.js';
import { removeDir, repoRoot, writeProject } from '../support/fixtures.js';

type Results = Record<'run_async' | 'own_loop' | 'async_to_sync_call', (number | string)[]>;

async function probe(pool: 'gevent' | 'threads'): Promise<Results> {
  const mod = (await import(pathToFileURL(path.join(repoRoot, 'scripts', 'ensure-venvs.mjs')).href)) as { ensureVenv(v: string): { python: string } };
  const py = mod.ensureVenv('5.7.0-apps').python;
  const redis = await startOwnRedis();
  const work = mkdtempSync(path.join(os.tmpdir(), 'jobctl-aio-worker-'));
  try {
    // the broker URL (with its password) goes through the environment, never the command line
    const out = execFileSync(py, [path.join(repoRoot, 'test', 'audit', 'probe_asyncio_pool.py'), work, pool], {
      encoding: 'utf8', timeout: 120_000, env: { ...process.env, PROBE_BROKER_URL: redis.url(0), PYTHONDONTWRITEBYTECODE: '1' },
    });
    const parsed = JSON.parse(out.trim().split('\n').pop()!) as { celery: string; results: Results };
    assert.equal(parsed.celery, '5.7.0');
    return parsed.results;
  } finally {
    await redis.stop();
    removeDir(work);
  }
}

const TASKS = [
  'import asyncio',
  'from asgiref.sync import async_to_sync',
  'from proj.celery import app',
  '',
  'async def work(n):',
  '    await asyncio.sleep(1)',
  '    return n',
  '',
  '@app.task',
  'def run_async(n):',
  '    return asyncio.run(work(n))',
  '',
  '@app.task',
  'def own_loop(n):',
  '    loop = asyncio.new_event_loop()',
  '    return loop.run_until_complete(work(n))',
  '',
  '@app.task',
  'def async_to_sync_call(n):',
  '    return async_to_sync(work)(n)',
  '',
].join('\n');

async function jc205Findings(pool: string): Promise<string[]> {
  const dir = writeProject({
    'requirements.txt': 'celery[redis]==5.7.0\ngevent\nasgiref\n',
    'Procfile': `worker: celery -A proj worker -P ${pool} -c 4\n`,
    'proj/__init__.py': '',
    'proj/celery.py': "from celery import Celery\n\napp = Celery('proj')\n",
    'proj/tasks.py': TASKS,
  }, 'jobctl-aio-');
  try {
    return (await runAudit(dir, {})).findings.filter((f) => f.ruleId === 'JC205').map((f) => f.message);
  } finally {
    removeDir(dir);
  }
}

test('JC205: asyncio in concurrent tasks fails under a real gevent worker and works under threads, as JC205 says', { timeout: 600_000 }, async () => {
  const gevent = await probe('gevent');
  const threads = await probe('threads');
  const description = jc205.meta.description;
  for (const [task, results] of Object.entries(gevent)) {
    const errors = results.filter((r): r is string => typeof r === 'string');
    assert.ok(errors.length > 0, `${task} collides under -P gevent -c 4: ${JSON.stringify(results)}`);
    for (const e of errors) {
      const quoted = e.replace(/^RuntimeError: /, '').replace(/ - just await the async function directly\.$/, '');
      assert.ok(description.includes(`"${quoted}"`), `JC205 quotes the error the real gevent worker raised: ${quoted}`);
    }
    assert.deepEqual(threads[task as keyof Results], [0, 1, 2, 3], `${task} works under -P threads -c 4`);
  }
  const underGevent = await jc205Findings('gevent');
  assert.equal(underGevent.length, 3, `JC205 reports each of the three loop entries under gevent: ${JSON.stringify(underGevent)}`);
  for (const m of underGevent) assert.match(m, /gevent pool .*greenlets share one thread and its event loop, so concurrent tasks collide/);
  assert.deepEqual(await jc205Findings('threads'), [], 'JC205 is silent for a threads worker, where the same tasks ran');
});
