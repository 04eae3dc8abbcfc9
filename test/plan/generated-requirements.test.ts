// Requirement files a tool writes or that pip installs in hash-checking mode: the plan never edits them by hand.
//   hashed-lock-compiled: a pip-compile --generate-hashes `.pip` included with -r, compiled on 3.12, installed on 3.10;
//   hashed-requirements: hashes kept by hand (no generator);
//   poetry-export (+ twin): requirements.txt exported from poetry.lock without a header.
import { test } from 'node:test';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { checkoutFixture, removeDir } from '../support/fixtures.js';
import { applyPlan, planUpgrade } from '../../src/plan/index.js';
import { resolveWithPip } from '../../src/deps/pip.js';
import { probe, pythonFor } from './support.js';

const TARGET = '5.6.3';
const reps = (plan: Awaited<ReturnType<typeof planUpgrade>>): Record<string, string[]> =>
  Object.fromEntries(plan.edits.map((e) => [e.file, e.replacements.map((r) => `${r.line}:${r.from}->${r.to}`)]));

test('hashed-lock-compiled: the .in is bumped, the hashed .pip regenerated with its own command; what pip-compile on 3.12 leaves out for 3.10 is named', { timeout: 600_000 }, async () => {
  const dir = checkoutFixture('hashed-lock-compiled');
  try {
    const plan = await planUpgrade(dir, { to: TARGET });
    assert.equal(plan.from?.version, '5.2.7');
    assert.deepEqual(reps(plan), { 'requirements/prod.in': ['1:5.2.7->5.6.3'] }, 'the compiled, hashed file is never edited');
    const lockRow = plan.dependencies.find((d) => d.name === 'celery' && d.where === 'requirements/prod.pip:19');
    assert.equal(lockRow?.status, 'regenerate-lock');
    assert.match(lockRow!.note ?? '', /with hashes/);
    const deps = plan.verification.find((v) => v.stage === 'dependency-resolution')!.command;
    assert.match(deps, /^pip-compile --generate-hashes --output-file=requirements\/prod\.pip requirements\/prod\.in --upgrade-package 'celery==5\.6\.3' && /);
    assert.match(deps, /pip install -r requirements\/prod\.pip/);
    const hashMode = plan.manualEdits.find((m) => m.file === 'Dockerfile' && m.line === 5);
    assert.ok(hashMode, JSON.stringify(plan.manualEdits));
    assert.match(hashMode.suggestion, /^add `exceptiongroup` to requirements\/prod\.in, then regenerate it/);
    assert.match(hashMode.why, /compiled on Python 3\.12 .* installed on Python 3\.10/);
    // packages every Python gets (python-dateutil, tzlocal, tzdata) come with the regeneration: not listed
    assert.doesNotMatch(hashMode.suggestion, /dateutil|tzlocal|tzdata/);
    assert.equal(plan.verification.find((v) => v.stage === 'import-app')!.command.includes('from shop.celery import app'), true);

    // the claim, checked with real pip: Celery 5.6.3 brings exceptiongroup on 3.10 and not on 3.11+
    const py310 = await pythonFor('5.2.7');
    const py311 = await pythonFor(TARGET);
    const on310 = await resolveWithPip([`celery==${TARGET}`], { python: py310 });
    const on311 = await resolveWithPip([`celery==${TARGET}`], { python: py311 });
    assert.ok(on310.ok && on311.ok, 'pip resolves celery 5.6.3 on both');
    assert.ok(on310.ok && 'exceptiongroup' in on310.versions, `3.10: ${JSON.stringify(on310)}`);
    assert.ok(on311.ok && !('exceptiongroup' in on311.versions), `3.11: ${JSON.stringify(on311)}`);

    await applyPlan(plan, dir);
    const loaded = probe(py311, dir, 'shop.celery', 'app', ['task_time_limit']);
    assert.equal(loaded.ok, true, loaded.error);
    assert.deepEqual(loaded.tasks, ['shop.tasks.reindex']);
  } finally {
    removeDir(dir);
  }
});

test('hashed-requirements: a hashed pin is never bumped alone; the plan names its hash lines and how to get the new ones', async () => {
  const dir = checkoutFixture('hashed-requirements');
  try {
    const plan = await planUpgrade(dir, { to: TARGET });
    assert.deepEqual(plan.edits, [], 'no edit: a version without its new hashes makes pip refuse the file');
    const celery = plan.manualEdits.find((m) => m.file === 'requirements.txt' && m.line === 11);
    assert.ok(celery);
    assert.match(celery.suggestion, /^write `celery==5\.6\.3` and replace the --hash lines 12, 13 with those of the new release: `pip download 'celery==5\.6\.3' --no-deps -d \/tmp\/jobctl-hashes && pip hash \/tmp\/jobctl-hashes\/\*`/);
    assert.ok(plan.manualEdits.some((m) => m.file === 'requirements.txt' && m.line === 29 && /kombu/.test(m.title)));
    // hash-checking mode does not fetch new dependencies by itself
    const mode = plan.manualEdits.find((m) => m.file === 'Dockerfile' && m.line === 4);
    assert.ok(mode);
    assert.match(mode.suggestion, /`python-dateutil>=2\.8\.2`.*`tzlocal`.*with their hashes/);
  } finally {
    removeDir(dir);
  }
});

test('poetry-export: an exported requirements.txt is regenerated from the lock, never edited; the twin (hand-kept) is edited', async () => {
  const dir = checkoutFixture('poetry-export');
  try {
    const plan = await planUpgrade(dir, { to: TARGET });
    assert.deepEqual(plan.edits, []);
    assert.equal(plan.dependencies.find((d) => d.name === 'celery' && d.where === 'pyproject.toml:9')?.status, 'fine', '^5.2.7 admits 5.6.3');
    const row = plan.dependencies.find((d) => d.name === 'celery' && d.where === 'requirements.txt:5');
    assert.equal(row?.status, 'regenerate-lock');
    assert.match(row!.note ?? '', /exported from poetry\.lock/);
    const deps = plan.verification.find((v) => v.stage === 'dependency-resolution')!.command;
    // the range still admits the locked 5.2.7: the lock must be told to move Celery, then the export rewritten
    assert.match(deps, /^poetry update --lock celery && poetry export -f requirements\.txt --without-hashes -o requirements\.txt && poetry install/);
  } finally {
    removeDir(dir);
  }
  const twin = checkoutFixture('poetry-export-twin');
  try {
    const plan = await planUpgrade(twin, { to: TARGET });
    const r = reps(plan)['requirements.txt'] ?? [];
    assert.ok(r.includes('1:5.2.7->5.6.3'), JSON.stringify(r));
    assert.equal(plan.dependencies.find((d) => d.name === 'celery' && d.where === 'requirements.txt:1')?.status, 'bump');
  } finally {
    removeDir(twin);
  }
});


test('sqs-env-broker: an SQS broker without the sqs extra (and without pycurl) gets `celery[sqs]` on the Celery line; the twin has it', async () => {
  const dir = checkoutFixture('sqs-env-broker');
  try {
    const plan = await planUpgrade(dir, { to: TARGET });
    const m = plan.manualEdits.find((x) => x.file === 'requirements.txt' && x.line === 1 && /sqs/.test(x.title));
    assert.ok(m, JSON.stringify(plan.manualEdits));
    assert.equal(m.suggestion, 'write `celery[sqs]==5.6.3`');
    assert.match(m.why, /does not list pycurl, urllib3/);
  } finally {
    removeDir(dir);
  }
  const twin = checkoutFixture('sqs-env-broker-twin');
  try {
    const plan = await planUpgrade(twin, { to: TARGET });
    assert.ok(!plan.manualEdits.some((x) => /sqs/.test(x.title)), JSON.stringify(plan.manualEdits));
  } finally {
    removeDir(twin);
  }
});

test('a compiled file whose header says `make upgrade` is regenerated with exactly that (no pip-compile option appended)', async () => {
  const dir = checkoutFixture('hashed-lock-compiled');
  try {
    const file = path.join(dir, 'requirements/prod.pip');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/#    pip-compile [^\n]*/, '#    make upgrade'));
    const plan = await planUpgrade(dir, { to: TARGET });
    assert.match(plan.verification.find((v) => v.stage === 'dependency-resolution')!.command, /^make upgrade && python -m venv /);
  } finally {
    removeDir(dir);
  }
});

test('a `uv export` output (its header) is regenerated after uv.lock moves Celery', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'jobctl-uv-export-'));
  try {
    writeFileSync(path.join(dir, 'pyproject.toml'), '[project]\nname = "shop"\nversion = "1.0"\nrequires-python = ">=3.10"\ndependencies = ["celery>=5.2.7,<6"]\n');
    const pins = [['amqp', '5.1.1'], ['billiard', '3.6.4.0'], ['celery', '5.2.7'], ['click', '8.1.3'], ['kombu', '5.2.4'], ['vine', '5.0.0']];
    writeFileSync(path.join(dir, 'uv.lock'), `version = 1\nrequires-python = ">=3.10"\n\n${pins.map(([n, v]) => `[[package]]\nname = "${n}"\nversion = "${v}"\nsource = { registry = "https://pypi.org/simple" }\n`).join('\n')}`);
    writeFileSync(path.join(dir, 'requirements.txt'), `# This file was autogenerated by uv via the following command:\n#    uv export --format requirements-txt --no-hashes -o requirements.txt\n${pins.map(([n, v]) => `${n}==${v}`).join('\n')}\n`);
    const plan = await planUpgrade(dir, { to: TARGET });
    assert.deepEqual(plan.edits.filter((e) => e.file === 'requirements.txt'), [], 'the export is not edited');
    assert.equal(plan.dependencies.find((d) => d.name === 'celery' && d.where === 'requirements.txt:5')?.status, 'regenerate-lock');
    assert.match(plan.verification.find((v) => v.stage === 'dependency-resolution')!.command, /^uv lock --upgrade-package celery==5\.6\.3 && uv export --format requirements-txt --no-hashes -o requirements\.txt && uv sync/);
  } finally {
    removeDir(dir);
  }
});
