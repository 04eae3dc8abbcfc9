// The Celery/kombu behaviour the RabbitMQ rules (JC121, JC320, JC321, JC620, JC621) state, read from the real
// releases in the shared venvs (.cache/venvs/celery-<v>, scripts/ensure-venvs.mjs) without a broker. What the
// RabbitMQ server does with these declarations is cited from its source at tags and was run on rabbitmq-server
// 3.10.8 (docs/evidence/rabbitmq-quorum-celery.txt, rabbitmq-4-celery-queues.txt).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../support/fixtures.js';
import { compareVersions } from '../../src/rules/lib/versions.js';

interface Probe {
  celery: string;
  kombu: string;
  pidbox: { durable: boolean; exclusive: boolean; auto_delete: boolean };
  reply: { durable: boolean; exclusive: boolean; auto_delete: boolean };
  pidbox_with_control_queue_durable: { durable: boolean; exclusive: boolean };
  detect_quorum_queues: boolean | null;
  default_exchange_type: string;
  quorum_args_with_max_priority: Record<string, unknown>;
  qos_semantics_matches_spec: Record<string, boolean>;
}

async function probe(version: string): Promise<Probe> {
  const mod = (await import(pathToFileURL(path.join(repoRoot, 'scripts', 'ensure-venvs.mjs')).href)) as { ensureVenv(v: string): { python: string } };
  const python = mod.ensureVenv(version).python;
  const out = execFileSync(python, [path.join(repoRoot, 'test', 'audit', 'probe_rabbitmq_queues.py')], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  return JSON.parse(out) as Probe;
}

for (const version of ['5.3.6', '5.6.3', '5.7.0']) {
  test(`Celery ${version}: the queues and arguments the RabbitMQ rules describe`, async () => {
    const p = await probe(version);
    assert.equal(p.celery, version);
    // JC320: pidbox and reply queues are never durable; exclusive only from 5.7.0 (control_queue_exclusive default)
    const exclusive = compareVersions(version, '5.7.0') >= 0;
    assert.deepEqual(p.pidbox, { durable: false, exclusive, auto_delete: true });
    assert.equal(p.reply.durable, false);
    assert.equal(p.reply.exclusive, exclusive);
    // control_queue_durable (5.6+) makes the pidbox queue durable, which RabbitMQ 4.3 accepts too; before 5.6 it is ignored
    assert.deepEqual(p.pidbox_with_control_queue_durable, { durable: compareVersions(version, '5.6.0') >= 0, exclusive: false });
    // JC321/JC620/JC621: detection on by default from 5.5 (no such setting before), the default exchange is direct
    assert.equal(p.detect_quorum_queues, compareVersions(version, '5.5.0') >= 0 ? true : null);
    assert.equal(p.default_exchange_type, 'direct');
    // JC121: task_queue_max_priority reaches a quorum queue
    assert.deepEqual(p.quorum_args_with_max_priority, { 'x-queue-type': 'quorum', 'x-max-priority': 10 });
    // JC321: kombu before 5.7.0 asks every RabbitMQ >= 3.3 for global QoS; 5.7.0 stops from RabbitMQ 4.0
    const newKombu = compareVersions(p.kombu, '5.7.0') >= 0;
    assert.deepEqual(p.qos_semantics_matches_spec, { '3.13.7': false, '4.1.0': newKombu, '4.3.0': newKombu });
  });
}
