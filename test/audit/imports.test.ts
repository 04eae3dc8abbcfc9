// celeryImports: every name taken from the celery package, on its own line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildProjectModel } from '../../src/model/index.js';
import { celeryImports } from '../../src/rules/lib/imports.js';
import { writeProject, removeDir } from '../support/fixtures.js';

test('from-imports (aliases, parentheses, comments, continuation) and module imports', async () => {
  const dir = writeProject({
    'app.py': [
      'from celery import Celery, shared_task as st',
      'from celery.app.utils import (',
      '    maybe_sanitize_url,  # masks passwords',
      '    Settings as S,',
      ')',
      'import celery.utils.time',
      'from celery.utils.time import \\',
      '    parse_iso8601',
      'from kombu import Queue',
      '# from celery.result import parse_iso8601',
      'x = "from celery.canvas import lookahead"',
    ].join('\n'),
  });
  try {
    const got = celeryImports(await buildProjectModel(dir)).map((i) => `${i.line}:${i.column} ${i.module} ${i.name ?? '(module)'}`);
    assert.deepEqual(got, [
      '1:20 celery Celery',
      '1:28 celery shared_task',
      '3:5 celery.app.utils maybe_sanitize_url',
      '4:5 celery.app.utils Settings',
      '6:1 celery.utils.time (module)',
      '8:5 celery.utils.time parse_iso8601',
    ]);
  } finally {
    removeDir(dir);
  }
});
