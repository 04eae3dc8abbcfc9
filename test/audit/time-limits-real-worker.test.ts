// JC604 against a real prefork worker (Celery 5.6.3 from PyPI, venv .cache/venvs/celery-5.6.3) on a redis-server
// this test starts on loopback: with task_soft_time_limit >= task_time_limit the soft limit fires first, at the
// soft limit, and the hard kill follows moments later. What JC604 says must be what the worker did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runAudit } from '../../src/engine/audit.js';
import { startOwnRedis } from '../../src/runtime/redis-server.js';
import { removeDir, repoRoot, writeProject } from '../support/fixtures.js';

interface Run { soft: number; hard: number; soft_fired_at: number | null; caller_got: string | null; cleanup_finished: boolean; worker_logged: string[]; kill_after_soft: number | null }

async function python(version: string): Promise<string> {
  const mod = (await import(pathToFileURL(path.join(repoRoot, 'scripts', 'ensure-venvs.mjs')).href)) as { ensureVenv(v: string): { python: string } };
  return mod.ensureVenv(version).python;
}

const VERSION = '5.6.3';
for (const [soft, hard] of [[3, 2], [2, 2]] as const) {
  test(`JC604 soft=${soft} hard=${hard}: a real ${VERSION} prefork worker raises SoftTimeLimitExceeded first, then kills the task, as JC604 says`, { timeout: 600_000 }, async () => {
    const py = await python(VERSION);
    const redis = await startOwnRedis();
    const work = mkdtempSync(path.join(os.tmpdir(), 'jobctl-tl-worker-'));
    let run: Run;
    try {
      // the broker URL (with its password) goes through the environment, never the command line
      const out = execFileSync(py, [path.join(repoRoot, 'test', 'audit', 'probe_soft_hard_worker.py'), work], {
        encoding: 'utf8', timeout: 120_000, env: { ...process.env, PROBE_BROKER_URL: redis.url(0), PROBE_SOFT: String(soft), PROBE_HARD: String(hard), PYTHONDONTWRITEBYTECODE: '1' },
      });
      run = (JSON.parse(out.trim().split('\n').pop()!) as { runs: Run[] }).runs[0]!;
    } finally {
      await redis.stop();
      removeDir(work);
    }
    const seen = JSON.stringify(run);
    // what the real worker did
    assert.ok(run.soft_fired_at !== null, `SoftTimeLimitExceeded reached the task: ${seen}`);
    assert.ok(Math.abs(run.soft_fired_at - soft) < 0.5, `the soft limit fired at the soft limit (${soft} s): ${seen}`);
    assert.deepEqual(run.worker_logged, ['soft', 'hard'], `the worker logged the soft limit, then the hard kill: ${seen}`);
    assert.ok(run.kill_after_soft !== null && run.kill_after_soft < 0.5, `the hard kill followed moments later: ${seen}`);
    assert.match(run.caller_got ?? '', /^TimeLimitExceeded/, `the caller got the hard kill: ${seen}`);
    assert.equal(run.cleanup_finished, false, `the task had no time to clean up: ${seen}`);
    // what JC604 says about the same limits on the same version
    const dir = writeProject({
      'requirements.txt': `celery[redis]==${VERSION}\n`,
      'proj/__init__.py': '',
      'proj/celery.py': `from celery import Celery\n\napp = Celery('proj')\napp.conf.task_soft_time_limit = ${soft}\napp.conf.task_time_limit = ${hard}\n`,
    }, 'jobctl-tl-');
    try {
      const f = (await runAudit(dir, {})).findings.find((x) => x.ruleId === 'JC604');
      assert.ok(f, 'JC604 reports the global limits');
      assert.match(f.message, new RegExp(`the soft limit fires first, at ${soft} s, and the task is killed moments later`));
      if (run.soft_fired_at > hard) assert.match(f.message, /outlives its hard limit/, `measured: soft at ${run.soft_fired_at} s > hard ${hard} s`);
      assert.match(f.message, /no time to clean up/);
      assert.doesNotMatch(f.message, /hard limit kills|never fires/);
    } finally {
      removeDir(dir);
    }
  });
}
