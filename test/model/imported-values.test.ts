// A setting whose value is a name imported from another project module is read through the linker: the defining
// module's literal (or f-string, whose scheme is written down) — one level, like a same-module constant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readProject } from './helpers-python.js';

const setting = (m: Awaited<ReturnType<typeof readProject>>, name: string): unknown =>
  m.configSources.flatMap((s) => s.settings).find((a) => a.name === name)?.value;

test('imported names: `pkg.environs.X` through a module import, `from .config import X`, and an f-string kept as written', async () => {
  const m = await readProject({
    'dds/__init__.py': '',
    'dds/environs.py': `
      import os
      REDIS_PASS = os.environ.get("REDIS_PASS", "")
      CELERY_BROKER = f"redis://:{REDIS_PASS}@redis:6379/0"
      RESULT_URL = os.environ.get("RESULT_URL", "redis://redis:6379/1")
      POOL = "threads"
    `,
    'dds/task/__init__.py': '',
    'dds/task/settings.py': `
      from dds import environs
      from dds.environs import POOL as WORKER_POOL
      broker_url = environs.CELERY_BROKER
      result_backend = environs.RESULT_URL
      worker_pool = WORKER_POOL
      task_default_queue = environs.NOT_DEFINED
    `,
    'dds/task/celery.py': `
      from celery import Celery
      app = Celery("dds")
      app.config_from_object("dds.task.settings")
    `,
  });
  assert.deepEqual(setting(m, 'broker_url'), { kind: 'expr', text: 'f"redis://:{REDIS_PASS}@redis:6379/0"' });
  assert.deepEqual(setting(m, 'result_backend'), { kind: 'env', name: 'RESULT_URL', default: { kind: 'str', value: 'redis://redis:6379/1' } });
  assert.deepEqual(setting(m, 'worker_pool'), { kind: 'str', value: 'threads' });
  // a name the other module does not define stays a name: never guessed
  assert.deepEqual(setting(m, 'task_default_queue'), { kind: 'name', dotted: 'environs.NOT_DEFINED' });
});

test('imported names: a constructor keyword `Celery(broker=BROKER_URL)` with `from .config import BROKER_URL`', async () => {
  const m = await readProject({
    'proj/__init__.py': '',
    'proj/config.py': `
      BROKER_URL = "redis://redis:6379/0"
      OTHER = some_call()
    `,
    'proj/worker.py': `
      from celery import Celery
      from .config import BROKER_URL, OTHER
      app = Celery("proj", broker=BROKER_URL, backend=OTHER)
    `,
  });
  const args = m.configSources.flatMap((s) => s.settings);
  assert.deepEqual(args.find((a) => a.name === 'broker' || a.name === 'broker_url')?.value, { kind: 'str', value: 'redis://redis:6379/0' });
  // a call's result is not knowable: the name stays
  assert.deepEqual(args.find((a) => a.name === 'backend' || a.name === 'result_backend')?.value, { kind: 'name', dotted: 'OTHER' });
});
