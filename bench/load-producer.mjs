#!/usr/bin/env node
// Benchmark: jobctl's load producer against Celery's own Python producer, in ONE run on this machine.
//   1. publish only (Redis, nobody consuming): messages/s (publish + broker ack) and producer CPU per message
//   2. end to end through a 2-process prefork worker (noop task): completed tasks/s and producer CPU per task
// Prints the figures and the ratios against the goals:
//   publish-only >= 20x the worker's no-op throughput; e2e >= best Python-driven figure;
//   jobctl CPU per task <= 1/4 of Python's.
// usage: npm run build && node bench/load-producer.mjs [--publish N] [--e2e N] [--rounds 3] [--celery 5.7.0]
// Needs redis-server and network access to PyPI the first time (venv via scripts/ensure-venvs.mjs).
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => pathToFileURL(path.join(root, 'dist', 'src', p)).href;
const { startOwnRedis } = await import(dist('runtime/redis-server.js'));
const { LoadClient } = await import(dist('loadtest/load-client.js'));
const { startLoadEnvironment, probeTask } = await import(dist('loadtest/environment.js'));
const { runLoadTest } = await import(dist('loadtest/run.js'));
const { ensureVenv } = await import(pathToFileURL(path.join(root, 'scripts', 'ensure-venvs.mjs')).href);

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
const PUBLISH_N = Number(arg('--publish', '20000'));
const PY_PUBLISH_N = Math.min(PUBLISH_N, 5000); // Python is ~10x slower: keep its part short
const E2E_N = Number(arg('--e2e', '3000'));
const ROUNDS = Number(arg('--rounds', '3'));
const python = ensureVenv(arg('--celery', '5.7.0')).python;
const pyProducer = path.join(root, 'bench', 'load-producer', 'pyproducer.py');
const log = (m) => process.stderr.write(`[bench] ${m}\n`);
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

function runPython(mode, n, broker, backend, queue) {
  const r = spawnSync(python, [pyProducer, mode, String(n), broker, backend, queue], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`pyproducer ${mode} failed: ${r.stderr.trim().split('\n').pop()}`);
  const j = JSON.parse(r.stdout.trim().split('\n').pop());
  return { perSec: j.per_sec, cpuMsPerTask: (j.cpu_seconds * 1000) / n, n };
}

const rows = [];
const row = (part, producer, r) => { rows.push({ part, producer, ...r }); log(`${part} ${producer}: ${r.perSec.toFixed(0)}/s, ${r.cpuMsPerTask.toFixed(3)} ms CPU/task (n=${r.n})`); };

// ---- 1. publish only, against Redis alone ----
const redis = await startOwnRedis();
try {
  const broker = redis.url(0);
  const client = await LoadClient.open({ brokerUrl: broker, backendUrl: redis.url(1), timingChannel: null, onResult: () => undefined });
  const queue = `jobctl-bench-${randomUUID().slice(0, 8)}`;
  try {
    // warm-up (JIT, connection) outside the timed part, as the Python side also connects first
    await Promise.all(Array.from({ length: 500 }, () => client.publish(randomUUID(), 'jobctl_loadprobe.noop', [], {}, queue)));
    const c0 = cpuMs();
    const t0 = performance.now();
    // windows of 1,000 un-awaited publishes (autopipelined): every publish is acked by Redis before the next window
    for (let i = 0; i < PUBLISH_N; i += 1000) {
      await Promise.all(Array.from({ length: Math.min(1000, PUBLISH_N - i) }, () => client.publish(randomUUID(), 'jobctl_loadprobe.noop', [], {}, queue)));
    }
    const secs = (performance.now() - t0) / 1000;
    row('publish', 'jobctl (Node, autopipelined)', { perSec: PUBLISH_N / secs, cpuMsPerTask: (cpuMs() - c0) / PUBLISH_N, n: PUBLISH_N });
  } finally {
    client.close();
  }
  for (const mode of ['publish-loop', 'publish-threads']) {
    row('publish', `celery apply_async (${mode === 'publish-loop' ? 'loop' : '50 threads'})`, runPython(mode, PY_PUBLISH_N, broker, redis.url(1), `jobctl-bench-${randomUUID().slice(0, 8)}`));
  }
} finally {
  await redis.stop();
}

// ---- 2. end to end through a 2-process prefork worker ----
// One worker for all producers: a warm-up load first (pool children import and fill caches), then
// ROUNDS rounds with the producers in a rotating order, so no producer always meets a cold worker or
// the same neighbour; each producer's row is its median round.
const env = await startLoadEnvironment({ root, python, workerConcurrency: 2, pool: 'prefork' });
try {
  const { task, args } = probeTask('noop');
  await runLoadTest(env.target, { task, args, shape: { mode: 'closed', concurrency: 50 }, tasks: 500 });
  const producers = [
    ['jobctl (50 in flight)', async () => {
      const r = await runLoadTest(env.target, { task, args, shape: { mode: 'closed', concurrency: 50 }, tasks: E2E_N });
      log(`   worker: ${r.cpu.workerMsPerTask} ms CPU/task, e2e p50 ${r.latency.e2e.p50} ms p99 ${r.latency.e2e.p99} ms`);
      return { perSec: r.throughput.completedPerSec, cpuMsPerTask: r.cpu.jobctlMsPerTask, n: E2E_N };
    }],
    ['celery ThreadPoolExecutor(50) apply_async().get()', async () => runPython('e2e-threads', E2E_N, env.target.brokerUrl, env.target.backendUrl, env.target.queue)],
    ['celery apply_async loop, then get()', async () => runPython('e2e-loop', E2E_N, env.target.brokerUrl, env.target.backendUrl, env.target.queue)],
  ];
  const runs = new Map(producers.map(([name]) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < producers.length; k++) {
      const [name, fn] = producers[(k + round) % producers.length];
      const r = await fn();
      log(`e2e round ${round + 1} ${name}: ${r.perSec.toFixed(0)}/s, ${r.cpuMsPerTask.toFixed(3)} ms CPU/task`);
      runs.get(name).push(r);
    }
  }
  for (const [name] of producers) {
    const list = runs.get(name).sort((a, b) => a.perSec - b.perSec);
    const med = list[Math.floor((list.length - 1) / 2)];
    row('e2e', name, { ...med, spread: `${list[0].perSec.toFixed(0)}-${list.at(-1).perSec.toFixed(0)}` });
  }
} finally {
  await env.stop();
}

// ---- report ----
const pick = (part, prefix) => rows.filter((r) => r.part === part && r.producer.startsWith(prefix));
const jsPublish = pick('publish', 'jobctl')[0];
const jsE2e = pick('e2e', 'jobctl')[0];
const pyE2eBest = pick('e2e', 'celery').sort((a, b) => b.perSec - a.perSec)[0];
// CPU compared like with like: jobctl's publish-only against the leanest Python publisher, and
// jobctl's end-to-end driver against the leanest Python end-to-end driver
const pyCpuBest = (part) => Math.min(...pick(part, 'celery').map((r) => r.cpuMsPerTask));
const pyPublishBest = pick('publish', 'celery').sort((a, b) => b.perSec - a.perSec)[0];
console.log('\njobctl load producer vs Celery\'s Python producer (same machine, same run)\n');
console.log('part     producer                                         tasks/s   CPU ms/task      n   rounds (min-max tasks/s)');
for (const r of rows) console.log(`${r.part.padEnd(8)} ${r.producer.padEnd(48)} ${r.perSec.toFixed(0).padStart(8)} ${r.cpuMsPerTask.toFixed(3).padStart(12)} ${String(r.n).padStart(6)}   ${r.spread ?? ''}`);
const ratios = [
  ['publish-only / worker no-op e2e throughput', jsPublish.perSec / jsE2e.perSec, '>= 20', jsPublish.perSec / jsE2e.perSec >= 20],
  ['jobctl publish-only / best Python publish-only', jsPublish.perSec / pyPublishBest.perSec, '(info)', true],
  ['jobctl e2e / best Python-driven e2e', jsE2e.perSec / pyE2eBest.perSec, '>= 1', jsE2e.perSec >= pyE2eBest.perSec],
  ['CPU/task publish: jobctl / leanest Python', jsPublish.cpuMsPerTask / pyCpuBest('publish'), '<= 0.25', jsPublish.cpuMsPerTask <= pyCpuBest('publish') / 4],
  ['CPU/task e2e: jobctl / leanest Python', jsE2e.cpuMsPerTask / pyCpuBest('e2e'), '<= 0.25', jsE2e.cpuMsPerTask <= pyCpuBest('e2e') / 4],
];
console.log('\nratio                                                 value    goal     met');
for (const [name, v, goal, ok] of ratios) console.log(`${name.padEnd(52)} ${v.toFixed(2).padStart(7)}    ${goal.padEnd(8)} ${ok ? 'yes' : 'NO'}`);
console.log(`\n(Celery ${arg('--celery', '5.7.0')}, Node ${process.version}, ${new Date().toISOString()})`);
