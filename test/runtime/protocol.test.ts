// Pure parts of the runtime: message building, key names, config reading, log scanning, masking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEnvelope, buildTaskMessage, decodeEnvelopeBody, priorityQueueKey, readException } from '../../src/runtime/protocol.js';
import { collectDeprecationWarnings } from '../../src/runtime/log-scan.js';
import { readSmokeTasks } from '../../src/runtime/smoke-config.js';
import { checkBrokerFlag, isLoopbackHost, resolveBroker } from '../../src/runtime/broker.js';
import { lastPythonError, scrub, workerArgv } from '../../src/runtime/worker.js';
import { JobctlError } from '../../src/util/errors.js';

test('task message: protocol v2 headers, timelimit is [hard, soft], body is [args, kwargs, embed]', () => {
  const eta = new Date('2030-01-01T00:00:00.000Z');
  const m = buildTaskMessage({ task: 'proj.add', args: [2, 3], kwargs: { z: 'x' }, eta, hardTimeLimit: 5, softTimeLimit: 1 });
  assert.equal(m.headers.task, 'proj.add');
  assert.equal(m.headers.root_id, m.id);
  assert.deepEqual(m.headers.timelimit, [5, 1]);
  assert.equal(m.headers.eta, '2030-01-01T00:00:00.000000+00:00'); // as Celery's producer writes it (6 fraction digits)
  assert.equal(m.headers.argsrepr, '(2, 3)');
  assert.equal(m.headers.kwargsrepr, "{'z': 'x'}");
  assert.deepEqual(m.body, [[2, 3], { z: 'x' }, { callbacks: null, errbacks: null, chain: null, chord: null }]);
  const env = buildEnvelope({ headers: { ...m.headers }, body: m.body, exchange: '', routingKey: 'q1' });
  assert.deepEqual(decodeEnvelopeBody(env), m.body);
  assert.equal(env.properties.delivery_info.routing_key, 'q1');
  const env2 = buildEnvelope({ headers: {}, body: [], exchange: '', routingKey: 'q1' });
  assert.notEqual(env.properties.delivery_tag, env2.properties.delivery_tag, 'delivery tags must be unique (kombu unacked hash key)');
});

test('priority queue keys follow kombu steps 0/3/6/9 with the \\x06\\x16 separator', () => {
  assert.equal(priorityQueueKey('celery', 0), 'celery');
  assert.equal(priorityQueueKey('celery', 2), 'celery');
  assert.equal(priorityQueueKey('celery', 3), 'celery\x06\x163');
  assert.equal(priorityQueueKey('celery', 8), 'celery\x06\x166');
  assert.equal(priorityQueueKey('celery', 9), 'celery\x06\x169');
});

test('exceptions are read from Celery result meta', () => {
  const e = readException({ status: 'FAILURE', result: { exc_type: 'ValueError', exc_message: ['kaput'], exc_module: 'builtins' }, traceback: 'x', task_id: '1' });
  assert.deepEqual(e, { excType: 'ValueError', excMessage: 'kaput', excModule: 'builtins' });
  assert.equal(readException({ status: 'SUCCESS', result: 5, traceback: null, task_id: '1' }), null);
});

test('worker argv: global options before the sub-command, jobctl queue and probe module', () => {
  const argv = workerArgv({ python: 'py', app: 'proj', root: '/x', brokerUrl: 'redis://:pw@127.0.0.1:1/0', backendUrl: 'redis://:pw@127.0.0.1:1/1', queue: 'jobctl.smoke.ab', pool: 'prefork', concurrency: 2, secrets: [] }, 'n@jobctl');
  const w = argv.indexOf('worker');
  assert.ok(argv.indexOf('-A') > 0 && argv.indexOf('-A') < w, '-A must come before worker');
  // the broker and backend URLs (and their passwords) go through the environment, never argv
  assert.equal(argv.indexOf('-b'), -1);
  assert.equal(argv.indexOf('--result-backend'), -1);
  assert.ok(!argv.some((a) => a.includes('pw')), argv.join(' '));
  assert.equal(argv[argv.indexOf('-Q') + 1], 'jobctl.smoke.ab');
  assert.equal(argv[argv.indexOf('--include') + 1], 'jobctl_isolate,jobctl_probe');
});

test('logs: deprecation warnings are collected with their continuation lines; secrets scrubbed', () => {
  const log = [
    '[2026-11-29 08:33:10,000: INFO/MainProcess] Connected to redis://:**@127.0.0.1:1/0',
    '/venv/lib/python3.11/site-packages/celery/worker/consumer/consumer.py:507: CPendingDeprecationWarning: The broker_connection_retry configuration setting will no longer determine',
    'whether broker connection retries are made during startup in Celery 6.0 and above.',
    '  warnings.warn(',
    '[2026-11-29 08:33:10,100: INFO/MainProcess] ready.',
  ].join('\n');
  const w = collectDeprecationWarnings(log);
  assert.equal(w.length, 1);
  assert.match(w[0]!, /^CPendingDeprecationWarning: The broker_connection_retry .* during startup in Celery 6\.0 and above\.$/);
  assert.equal(collectDeprecationWarnings('[2026-11-29] ready.\n').length, 0);
  assert.equal(scrub('x s3cretpw y redis://u:s3cretpw@h/0', ['s3cretpw']), 'x **** y redis://u:****@h/0');
  assert.equal(lastPythonError('Traceback (most recent call last):\n  File "x"\nModuleNotFoundError: No module named \'boto3\'\n'), "ModuleNotFoundError: No module named 'boto3'");
});

test('smoke tasks from jobctl.yaml: typed, validated with one-line errors', () => {
  const cfg = (raw: Record<string, unknown>) => ({ file: 'jobctl.yaml', raw });
  const t = readSmokeTasks(cfg({ smoke: { tasks: [{ name: 'a.add', args: [1, 2], expect: 3 }, { name: 'a.fail', status: 'failure', exc_type: 'KeyError', timeout: 2 }] } }));
  assert.equal(t.length, 2);
  assert.equal(t[0]!.hasExpect, true);
  assert.equal(t[0]!.expect, 3);
  assert.equal(t[1]!.status, 'FAILURE');
  assert.equal(t[1]!.timeoutSec, 2);
  assert.equal(t[1]!.hasExpect, false);
  assert.throws(() => readSmokeTasks(cfg({ smoke: { tasks: [{ args: [] }] } })), /jobctl\.yaml: `smoke\.tasks\[0\]`: `name` must be/);
  assert.throws(() => readSmokeTasks(cfg({ smoke: { tasks: 'x' } })), /must be a list/);
  assert.deepEqual(readSmokeTasks(cfg({})), []);
});

test('broker: a non-loopback --broker is refused without --allow-remote (exit 2, password masked)', async () => {
  assert.ok(isLoopbackHost('127.0.0.1') && isLoopbackHost('localhost') && isLoopbackHost('127.1.2.3'));
  assert.ok(!isLoopbackHost('10.0.0.5') && !isLoopbackHost('redis.internal'));
  await assert.rejects(resolveBroker({ broker: 'redis://:hunter2@10.0.0.5:6379/0' }), (err: unknown) => {
    assert.ok(err instanceof JobctlError);
    assert.equal(err.exitCode, 2);
    assert.match(err.message, /not a loopback address.*--allow-remote/);
    assert.doesNotMatch(err.message, /hunter2/);
    return true;
  });
  // --allow-remote lets the flag through (the broker itself is then checked: auth, empty database)
  assert.doesNotThrow(() => checkBrokerFlag({ broker: 'redis://10.0.0.5:6379/0', allowRemote: true }));
  // amqp:// is RabbitMQ: checked the same way (loopback unless --allow-remote, password masked) and
  // reached before anything of jobctl's starts (nothing listens on port 1: unavailable, exit 3)
  await assert.rejects(resolveBroker({ broker: 'amqp://u:hunter2@10.0.0.5:5672/app' }), (err: unknown) => {
    assert.ok(err instanceof JobctlError && err.exitCode === 2 && /not a loopback address/.test(err.message) && !err.message.includes('hunter2'));
    return true;
  });
  await assert.rejects(resolveBroker({ broker: 'amqp://u:hunter2@127.0.0.1:1/app' }), (err: unknown) => {
    assert.ok(err instanceof JobctlError && err.exitCode === 3, String(err));
    assert.doesNotMatch(err.message, /hunter2/);
    return true;
  });
  await assert.rejects(resolveBroker({ broker: 'kafka://127.0.0.1:9092' }), /use a redis:\/\/ or amqp:\/\/ broker URL/);
});
