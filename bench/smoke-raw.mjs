#!/usr/bin/env node
// Benchmark: `jobctl smoke-test` against the raw equivalent, in the same run (interleaved). The raw
// equivalent starts its own redis-server, a `celery worker` until it logs "<node> ready.", runs one
// `celery inspect ping`, and shuts both down. jobctl's checks that wait on purpose (countdown/ETA, revoke
// of an ETA task, soft/hard time limits) are printed and their durations subtracted before the ratio.
// Exits 1 when (jobctl - deliberate waits) / raw > 1.3 by more than 10 %.
//
//   node bench/smoke-raw.mjs [--python PY] [--runs N] [FIXTURE]
//
// FIXTURE defaults to fixtures/runtime-good-app (app from its jobctl.yaml); PY to .cache/venvs/celery-5.7.0.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args.splice(i, 2)[1] : dflt; };
// a relative --python is taken from the current folder (the raw worker runs with the fixture as its cwd)
const python = path.resolve(opt('--python', path.join(root, '.cache', 'venvs', 'celery-5.7.0', 'bin', 'python')));
const runs = Number(opt('--runs', 3));
const fixture = path.resolve(args[0] ?? path.join(root, 'fixtures', 'runtime-good-app'));
const app = /^app:\s*(\S+)/m.exec(readFileSync(path.join(fixture, 'jobctl.yaml'), 'utf8'))?.[1];
if (!app) { console.error(`bench/smoke-raw: no app: line in ${fixture}/jobctl.yaml`); process.exit(2); }
const DELIBERATE = new Set(['countdown', 'eta', 'revoke', 'soft-time-limit', 'hard-time-limit', 'time-limit-soft', 'time-limit-hard']);
const TARGET = 1.3;

const freePort = () => new Promise((resolve) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function raw() {
  const t0 = performance.now();
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const broker = `redis://127.0.0.1:${port}/0`;
  const node = `raw-${process.pid}-${Date.now()}@bench`;
  const env = { ...process.env, PYTHONPATH: fixture, PYTHONDONTWRITEBYTECODE: '1' };
  // the broker is given on the command line: this is a local throwaway redis with no password
  const worker = spawn(python, ['-m', 'celery', '-A', app, '-b', broker, 'worker', '-n', node, '-l', 'INFO', '--without-mingle', '--without-gossip'], { cwd: fixture, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let log = '';
  const ready = new Promise((resolve, reject) => {
    const on = (c) => { log += c; if (log.includes(`${node} ready.`)) resolve(); };
    worker.stdout.on('data', on); worker.stderr.on('data', on);
    worker.once('exit', (code) => reject(new Error(`worker exited ${code}: ${log.slice(-800)}`)));
  });
  await ready;
  const ping = spawnSync(python, ['-m', 'celery', '-A', app, '-b', broker, 'inspect', 'ping', '-d', node, '-t', '5'], { cwd: fixture, env, encoding: 'utf8' });
  if (ping.status !== 0) throw new Error(`inspect ping failed: ${ping.stdout}${ping.stderr}`);
  const exited = new Promise((r) => worker.once('exit', r));
  process.kill(-worker.pid, 'SIGTERM');
  await exited;
  const redisExit = new Promise((r) => redis.once('exit', r));
  redis.kill('SIGTERM');
  await redisExit;
  return performance.now() - t0;
}

function jobctl() {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'run.js'), 'smoke-test', fixture, '--python', python, '--json'], { encoding: 'utf8' });
  const wall = performance.now() - t0;
  const j = JSON.parse(r.stdout);
  if (!j.ok) throw new Error(`jobctl smoke-test failed: ${r.stdout.slice(0, 2000)}`);
  const waits = j.checks.filter((c) => DELIBERATE.has(c.id)).map((c) => [c.id, c.durationMs]);
  return { wall, waits, waitMs: waits.reduce((s, [, ms]) => s + ms, 0) };
}

const rw = []; const jw = []; const net_ = [];
let lastWaits = [];
for (let i = 0; i < runs; i++) {
  rw.push(await raw());
  const j = jobctl();
  jw.push(j.wall); net_.push(j.wall - j.waitMs); lastWaits = j.waits;
}
const ratio = median(net_) / median(rw);
console.log(`fixture ${path.relative(root, fixture)} (app ${app}), ${runs} interleaved runs, medians; load ${os.loadavg()[0].toFixed(1)} on ${os.availableParallelism()} cores`);
console.log(`raw (redis-server + celery worker until ready + inspect ping + shutdown): ${(median(rw) / 1000).toFixed(2)} s wall`);
console.log(`jobctl smoke-test: ${(median(jw) / 1000).toFixed(2)} s wall; deliberate waits (last run): ${lastWaits.map(([id, ms]) => `${id} ${ms} ms`).join(', ') || 'none found'}`);
console.log(`jobctl minus deliberate waits: ${(median(net_) / 1000).toFixed(2)} s → ratio ${ratio.toFixed(2)}x (target ≤ ${TARGET}x)`);
if (ratio > TARGET * 1.1) { console.log('MISSED by more than 10 %'); process.exit(1); }
