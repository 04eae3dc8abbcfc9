// The TypeScript reader on the fixtures: what it extracts, and that it stays away from ts-morph when no
// file uses a queue/broker client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildProjectModel } from '../../src/model/index.js';
import { readTypeScript } from '../../src/model/typescript/index.js';
import { emptyModel } from '../model/helpers-python.js';
import { checkoutFixture, removeDir } from '../support/fixtures.js';

test('ts-node-producer: celery-node and raw lpush producers with names, arguments and queues', async () => {
  const dir = checkoutFixture('ts-node-producer');
  try {
    const m = await buildProjectModel(dir);
    const p = m.ts!.celeryProducers.map((c) => [c.kind, c.taskName, c.positionalCount, c.kwargNames, c.queue ?? c.clientQueue, `${c.loc.file}:${c.loc.line}`]);
    assert.deepEqual(p, [
      ['celery-node-createTask', 'reports.generate', 2, ['fmt'], 'celery', 'producer/src/jobs.ts:5'],
      ['celery-node-sendTask', 'mail.send_welcome', 1, [], 'celery', 'producer/src/jobs.ts:11'],
      ['celery-node-createTask', 'media.resize', 2, [], 'celery', 'producer/src/jobs.ts:15'],
      ['celery-node-createTask', 'media.resize_image', 3, ['keep_ratio'], 'celery', 'producer/src/jobs.ts:19'],
      ['celery-node-sendTask', 'mail.send_welcome', 2, [], 'celery', 'producer/src/jobs.ts:23'],
      ['celery-node-createTask', 'media.resize_image', 2, ['quality'], 'celery', 'producer/src/jobs.ts:27'],
      ['celery-node-createTask', 'reports.generate', 2, [], 'celery', 'producer/src/jobs.ts:31'], // celery-node ignores routingKey: the client queue
      ['raw-redis-lpush', 'reports.generate', 1, [], 'celery', 'producer/src/legacy-enqueue.js:16'],
    ]);
    assert.deepEqual(m.ts!.celeryResultWaits.map((w) => [w.loc.line, w.timeoutText]), [[6, '30_000'], [32, null]]);
    // the client queue comes from createClient in another module (default 'celery')
    assert.ok(m.ts!.parsedFiles.includes('producer/src/celery.ts'));
  } finally {
    removeDir(dir);
  }
});

test('ts-bullmq: workers, connections, listeners, helper-followed blocking calls, versions', async () => {
  const dir = checkoutFixture('ts-bullmq');
  try {
    const m = await buildProjectModel(dir);
    const ts = m.ts!;
    const inv = ts.bullWorkers.find((w) => w.name === 'invoices')!;
    assert.equal(inv.connection?.kind, 'ioredis-instance');
    assert.equal(inv.connection?.instanceLoc?.file, 'src/connection.ts');
    assert.deepEqual(inv.listenedEvents, []);
    assert.deepEqual(inv.blockingCalls.map((b) => [b.callee, `${b.loc.file}:${b.loc.line}`, b.via.join('>')]).sort(), [
      ['child_process.execSync', 'src/render.ts:10', 'processInvoice>toPdf'],
      ['fs.readFileSync', 'src/worker.ts:10', 'processInvoice'],
      ['zlib.gzipSync', 'src/render.ts:6', 'processInvoice>renderInvoice'],
    ]);
    const hook = ts.bullWorkers.find((w) => w.name === 'webhooks')!;
    assert.deepEqual([hook.connection?.kind, hook.connection?.maxRetriesPerRequest, hook.listenedEvents], ['inline', '3', ['error']]);
    assert.deepEqual(ts.npmDependencies.filter((d) => d.isLock).map((d) => [d.name, d.version]), [['bullmq', '6.1.2'], ['ioredis', '4.28.5']]);
    assert.deepEqual(ts.bullRemovedApis.map((r) => r.api).sort(), ['QueueScheduler', 'getRepeatableJobs', 'repeat']);
  } finally {
    removeDir(dir);
  }
});

test('ts-bullmq-clean: a sandboxed processor (file path) is not scanned for blocking calls', async () => {
  const dir = checkoutFixture('ts-bullmq-clean');
  try {
    const m = await buildProjectModel(dir);
    const pdf = m.ts!.bullWorkers.find((w) => w.name === 'pdfs')!;
    assert.equal(pdf.sandboxed, true);
    assert.deepEqual(pdf.blockingCalls, []);
    assert.equal(m.ts!.bullWorkers.find((w) => w.name === 'invoices')!.connection?.maxRetriesPerRequest, 'null');
  } finally {
    removeDir(dir);
  }
});

test('pre-filter: JS/TS files that use no queue/broker client are not parsed', async () => {
  const model = emptyModel();
  const files = Array.from({ length: 200 }, (_, i) => ({ file: `web/static/app${i}.js`, kind: 'typescript' as const, text: `export function f${i}(x) { return require('fs').readFileSync(x); }\n` }));
  await readTypeScript(files, model);
  assert.equal(model.ts, undefined, 'no TsModel when nothing matched');
  const withOne = emptyModel();
  await readTypeScript([...files, { file: 'worker.ts', kind: 'typescript', text: "import { Worker } from 'bullmq';\nnew Worker('q', async () => 1, { connection: {} });\n" }], withOne);
  assert.deepEqual(withOne.ts?.parsedFiles, ['worker.ts']);
  assert.equal(withOne.ts?.bullWorkers.length, 1);
});
