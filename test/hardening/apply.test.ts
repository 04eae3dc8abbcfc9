// No byte lost (probe.md D1, D7): --apply keeps every byte outside the edited spans (Latin-1, CRLF,
// BOM), and the requirements it writes resolve with pip.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jobctl, show } from '../support/cli.js';
import { ensureCeleryVenv } from '../../src/runtime/venvs.js';

const APP = 'from celery import Celery\napp = Celery("c", broker="redis://localhost:6379/0")\n';
const dirs: string[] = [];
function project(files: Record<string, string | Buffer>): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'jobctl-apply-'));
  dirs.push(d);
  for (const [f, body] of Object.entries({ 'celery_app.py': APP, ...files })) writeFileSync(path.join(d, f), body);
  return d;
}
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

let py = '';
before(() => { py = ensureCeleryVenv('5.7.0'); });

test('D1: a kombu range the target refuses is a conflict, and --apply writes requirements pip resolves', async () => {
  const d = project({ 'requirements.txt': 'celery[redis]==5.3.4\nkombu>=5.3.4,<5.4\n' });
  // audit names the conflict too (it said nothing about the kombu line)
  const audit = await jobctl(['audit', d, '--target', '5.6']);
  assert.match(audit.stdout, /2:1 +error +kombu>=5\.3\.4,<5\.4 conflicts with Celery 5\.6\.\d+.*JC302/, show(audit));
  const plan = await jobctl(['upgrade-plan', d, '--to', '5.6']);
  assert.equal(plan.code, 0, show(plan));
  assert.match(plan.stdout, /\| kombu \| `>=5\.3\.4,<5\.4` \|.*\| conflict \|/);
  const r = await jobctl(['upgrade-plan', d, '--to', '5.6', '--apply']);
  assert.equal(r.code, 0, show(r));
  const written = readFileSync(path.join(d, 'requirements.txt'), 'utf8');
  // edited in the shape it was written: a range stays a range (an exact pin stays exact)
  assert.match(written, /^kombu>=\d+\.\d+\.\d+,<\d+\.\d+$/m, written);
  const pip = spawnSync(py, ['-m', 'pip', 'install', '--dry-run', '--ignore-installed', '--quiet', '-r', path.join(d, 'requirements.txt')], { encoding: 'utf8', timeout: 180_000 });
  assert.equal(pip.status, 0, `${written}\n${pip.stdout}\n${pip.stderr}`);
});

test('D7: --apply keeps a Latin-1 byte on a line it does not edit', async () => {
  const d = project({ 'requirements.txt': Buffer.from('# d\xe9pendances\ncelery[redis]==5.3.4\n', 'latin1') });
  const r = await jobctl(['upgrade-plan', d, '--to', '5.6', '--apply']);
  assert.equal(r.code, 0, show(r));
  const bytes = readFileSync(path.join(d, 'requirements.txt'));
  assert.deepEqual(bytes.subarray(0, 14), Buffer.from('# d\xe9pendances\n', 'latin1'));
  assert.match(bytes.toString('latin1'), /^celery\[redis\]==5\.6\.\d+$/m);
});

test('D7: --apply on a `# coding: latin-1` module keeps the byte on the edited line, CRLF and a BOM elsewhere', async () => {
  const cfg = Buffer.from('# -*- coding: latin-1 -*-\r\nBROKER_URL = "redis://localhost:6379/0"  # r\xe9glage\r\n', 'latin1');
  const d = project({
    'celery_app.py': 'from celery import Celery\napp = Celery("c")\napp.config_from_object("celeryconfig")\n',
    'celeryconfig.py': cfg,
    'requirements.txt': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('celery==5.3.4\r\nredis==4.6.0\r\n')]),
  });
  const r = await jobctl(['upgrade-plan', d, '--to', '5.6', '--apply']);
  assert.equal(r.code, 0, show(r));
  const after = readFileSync(path.join(d, 'celeryconfig.py'));
  assert.ok(after.includes(Buffer.from('# r\xe9glage\r\n', 'latin1')), after.toString('latin1'));
  assert.ok(!after.includes(Buffer.from('\ufffd')), 'a replacement character was written');
  assert.match(after.toString('latin1'), /^broker_url = /m, 'the setting was renamed');
  const req = readFileSync(path.join(d, 'requirements.txt'));
  assert.deepEqual([...req.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'BOM kept');
  // (the redis pin may be bumped too: kombu 5.7's Redis transport needs redis-py >= 6.1 — the bytes around it are the point)
  assert.match(req.toString('utf8'), /^\ufeffcelery==5\.6\.\d+\r\nredis==[\d.]+\r\n$/);
});
