// A rehearsal venv gets the user's image's setuptools step (a Dockerfile's `pip install --upgrade
// setuptools`) before the requirements: gevent 22.10 checks its requirements through pkg_resources,
// and the setuptools `python -m venv` bundles (65.5) does not find zope.interface 8's normalised
// dist-info (DistributionNotFound), so a healthy gevent worker failed in jobctl's venv only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runVerify } from '../../src/verify/index.js';
import { imageSetup, setuptoolsStep } from '../../src/verify/image-setup.js';
import type { ProjectModel, SourceFileInfo } from '../../src/model/types.js';
import { checkoutFixture, removeDir, repoRoot } from '../support/fixtures.js';

const cacheEnv = { ...process.env, JOBCTL_CACHE_DIR: path.join(repoRoot, '.cache', 'jobctl-test') };

test('the setuptools step of a pip command, as the image runs it', () => {
  assert.deepEqual(setuptoolsStep('pip install --upgrade --no-cache-dir pip wheel setuptools'), ['--upgrade', 'setuptools']);
  assert.deepEqual(setuptoolsStep('python -m pip install -U "setuptools<82"'), ['--upgrade', 'setuptools<82']);
  assert.deepEqual(setuptoolsStep('pip3 install setuptools==80.9.0'), ['setuptools==80.9.0']);
  assert.equal(setuptoolsStep('pip install --upgrade pip wheel'), null);
  // a requirements install: setuptools there is the project's own line, installed by pip -r anyway
  assert.equal(setuptoolsStep('pip install -r requirements.txt setuptools'), null);
  assert.equal(setuptoolsStep('apt-get install -y python3-setuptools'), null);
});

test('the Dockerfile that installs the requirement file decides; two that disagree decide nothing', () => {
  const model = (files: Partial<SourceFileInfo>[]): ProjectModel => ({ files: files.map((f) => ({ kind: 'dockerfile', text: '', ...f })) } as unknown as ProjectModel);
  const worker = { file: 'celery_app/celery.Dockerfile', text: 'FROM python:3.10.4\nCOPY celery_app/requirements.txt /app/\nRUN pip install --upgrade --no-cache-dir pip wheel setuptools \\\n    && pip install --no-cache-dir --upgrade -r celery_app/requirements.txt\n' };
  const api = { file: 'admin_api/Dockerfile', text: 'FROM python:3.11\nCOPY admin_api/requirements.txt .\nRUN pip install "setuptools==70.0.0" && pip install -r admin_api/requirements.txt\n' };
  const s = imageSetup(model([worker, api]), ['celery_app/requirements.txt']);
  assert.deepEqual(s?.args, ['--upgrade', 'setuptools']);
  assert.equal(s?.from, 'celery_app/celery.Dockerfile:3');
  assert.deepEqual(imageSetup(model([api, worker]), ['admin_api/requirements.txt'])?.args, ['setuptools==70.0.0']);
  // neither names the file, and there are two images: no guess
  assert.equal(imageSetup(model([worker, api]), ['other/requirements.txt']), null);
  // the project's only Dockerfile
  assert.deepEqual(imageSetup(model([{ file: 'Dockerfile', text: 'RUN pip install -U setuptools\nRUN pip install -r reqs/prod.txt\n' }]), ['requirements.txt'])?.args, ['--upgrade', 'setuptools']);
});

test('gevent 22.10 worker: the venv gets the Dockerfile\'s setuptools step and the smoke test passes; without the step the venv reproduces DistributionNotFound', async () => {
  const dir = checkoutFixture('runtime-gevent-setuptools');
  try {
    const r = await runVerify({ root: dir, stages: ['import', 'smoke'], renderer: 'silent', env: cacheEnv });
    const imp = r.stages.find((s) => s.id === 'import')!;
    const smoke = r.stages.find((s) => s.id === 'smoke')!;
    assert.ok(imp.evidence.some((e) => /setuptools 81\.\d+\.\d+ installed first \(pip install --upgrade setuptools<82\), as Dockerfile:4/.test(e)), imp.evidence.join('\n'));
    assert.equal(smoke.status, 'pass', [smoke.reason, ...smoke.evidence].join('\n'));
    assert.ok(smoke.evidence.some((e) => /pool gevent/.test(e)), smoke.evidence.join('\n'));

    // the same image without its setuptools step: the venv's bundled setuptools, and the worker's real error
    const dockerfile = path.join(dir, 'Dockerfile');
    writeFileSync(dockerfile, readFileSync(dockerfile, 'utf8').replace(' "setuptools<82"', ''));
    const bare = await runVerify({ root: dir, stages: ['import', 'smoke'], renderer: 'silent', env: cacheEnv });
    const failed = bare.stages.find((s) => s.id === 'smoke')!;
    assert.equal(failed.status, 'fail');
    assert.match(failed.reason ?? '', /DistributionNotFound: The 'zope\.interface' distribution was not found/);
  } finally {
    removeDir(dir);
  }
});
