// D27 (probe.md): verify's side-by-side table must show the package versions installed in the venv
// each side really ran on, not what the requirement lines resolve to. The probe saw the table say
// kombu 5.7.0 for the current side while that side's venv had kombu 5.6.2. Reproduced here the way it
// happens to users: a cached venv built before today's resolution (kombu pinned back inside it), then
// a rehearsal that reuses it; the test reads each venv itself with importlib.metadata.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runVerify, renderVerifyText, type VerifyResult } from '../../src/verify/index.js';
import { repoRoot } from '../support/fixtures.js';

// venvs kept between runs (a first run builds two), apart from the verify tests' cache: this test changes one
const env = { ...process.env, JOBCTL_CACHE_DIR: path.join(repoRoot, '.cache', 'jobctl-hardening') };
const proj = mkdtempSync(path.join(os.tmpdir(), 'jobctl-d27-'));
after(() => rmSync(proj, { recursive: true, force: true }));

function venvPython(r: VerifyResult, role: 'current' | 'target'): string {
  const imp = r.stages.find((s) => s.id === 'import')!;
  const line = imp[role]?.evidence.find((e) => e.startsWith('venv '));
  assert.ok(line, `no venv line for ${role}: ${JSON.stringify(imp)}`);
  return path.join(env.JOBCTL_CACHE_DIR, 'venvs', line.split(' ')[1]!, 'bin', 'python');
}

function installed(python: string, name: string): string {
  return execFileSync(python, ['-c', `from importlib import metadata; print(metadata.version(${JSON.stringify(name)}))`], { encoding: 'utf8' }).trim();
}

test('D27: the side-by-side table shows the versions installed in each side\'s venv, not the resolution', async () => {
  mkdirSync(path.join(proj, 'proj'));
  writeFileSync(path.join(proj, 'proj', '__init__.py'), '');
  writeFileSync(path.join(proj, 'proj', 'celery_app.py'), 'from celery import Celery\napp = Celery("proj", broker="redis://localhost:6379/0")\n\n\n@app.task\ndef add(x, y):\n    return x + y\n');
  writeFileSync(path.join(proj, 'requirements.txt'), 'celery[redis]==5.6.2\n');
  writeFileSync(path.join(proj, 'jobctl.yaml'), 'app: proj.celery_app:app\n');

  // 1. build (or find) both sides' venvs
  const first = await runVerify({ root: proj, to: '5.7.0', stages: ['import'], renderer: 'silent', env });
  assert.equal(first.stages[0]!.status, 'pass', JSON.stringify(first.stages[0]));
  const current = venvPython(first, 'current');
  const target = venvPython(first, 'target');
  // 2. the current side's venv is older than today's resolution (celery 5.6.2 allows kombu >= 5.6.0; pip picks 5.7.0 today)
  execFileSync(current, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', '--no-deps', 'kombu==5.6.2'], { stdio: 'ignore', timeout: 180_000 });

  const r = await runVerify({ root: proj, to: '5.7.0', stages: ['deps', 'import'], renderer: 'silent', env });
  assert.equal(venvPython(r, 'current'), current, 'the rehearsal reused the cached venv');
  const deps = r.stages.find((s) => s.id === 'deps')!;
  assert.ok(deps.current?.evidence.some((e) => /kombu 5\.7\.0/.test(e)), `pip resolves kombu 5.7.0 today: ${deps.current?.evidence.join('\n')}`);

  const want = { current: installed(current, 'kombu'), target: installed(target, 'kombu') };
  assert.equal(want.current, '5.6.2');
  const rows = r.comparison.filter((c) => c.metric === 'kombu');
  assert.ok(rows.length > 0, `no kombu row in the table: ${JSON.stringify(r.comparison)}`);
  for (const row of rows) assert.deepEqual({ current: row.current, target: row.target }, want, `${row.stage} row`);
  for (const name of ['celery', 'redis']) {
    for (const row of r.comparison.filter((c) => c.metric === name)) {
      assert.deepEqual({ current: row.current, target: row.target }, { current: installed(current, name), target: installed(target, name) }, `${row.stage} ${name} row`);
    }
  }
  // the text table says it, and the evidence says why it differs from a fresh install
  assert.match(renderVerifyText(r, { color: false }), /^\s+import\s+kombu\s+5\.6\.2\s+5\.7\.0\s/m);
  assert.ok(r.stages.find((s) => s.id === 'import')!.current!.evidence.some((e) => /a fresh install today resolves kombu 5\.7\.0 instead/.test(e)));
});
