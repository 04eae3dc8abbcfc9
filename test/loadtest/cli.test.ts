// `jobctl load-test` as users run it: exit codes (0/1/2/130), --json purity, the HTML report in a
// real headless Chromium, a user's own app and task, and Ctrl-C leaving no process behind.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { celeryPython, descendants, repoRoot, stillRunning } from './helpers.js';
import type { LoadTestResult } from '../../src/loadtest/types.js';

let python: string;
let dir: string;
const bin = path.join(repoRoot, 'bin', 'run.js');

before(async () => {
  python = await celeryPython();
  dir = mkdtempSync(path.join(tmpdir(), 'jobctl-lt-cli-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function jobctl(args: string[], cwd = dir): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, 'load-test', ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, input: '', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('a failing threshold exits 1; --json is pure JSON; --report writes one HTML file', () => {
  const report = path.join(dir, 'load.html');
  const r = jobctl(['--python', python, '--probe', 'sleep:5', '-c', '20', '-n', '300', '--threshold', 'p50<1ms', '--threshold', 'lost==0', '--report', report, '--json']);
  assert.equal(r.code, 1, r.stderr);
  const result = JSON.parse(r.stdout) as LoadTestResult;
  assert.equal(result.counts.published, 300);
  assert.equal(result.counts.succeeded, 300);
  assert.equal(result.thresholds[0]!.pass, false, 'p50<1ms cannot pass for a 5 ms task');
  assert.equal(result.thresholds[1]!.pass, true);
  assert.equal(result.passed, false);
  assert.match(result.environment.broker, /^redis:\/\/:\*\*\*\*@127\.0\.0\.1:\d+\/0$/);
  assert.ok(existsSync(report));
  writeFileSync(path.join(dir, 'previous.json'), r.stdout);
});

test('the HTML report renders in headless Chromium with its charts and no network', { skip: existsSync('/usr/bin/chromium') ? false : 'no /usr/bin/chromium on this machine' }, async () => {
  const report = path.join(dir, 'load.html');
  assert.ok(existsSync(report), 'written by the previous test');
  const html = readFileSync(report, 'utf8');
  assert.ok(!/<script|https?:\/\//i.test(html.replaceAll('http://www.w3.org/2000/svg', '')), 'self-contained: no script, no external URL');
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  try {
    const page = await browser.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (req) => requests.push(req.url()));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(report).href);
    assert.equal(await page.textContent('#status'), 'FAILED');
    assert.equal(await page.locator('svg.chart').count(), 5);
    // the latency chart has drawn lines, and it has a real size on the page
    assert.ok(await page.locator('#chart-latency path.series').count() >= 3);
    const box = await page.locator('#chart-latency').boundingBox();
    assert.ok(box && box.width > 300 && box.height > 100, JSON.stringify(box));
    assert.match((await page.textContent('#thresholds')) ?? '', /p50<1ms/);
    assert.match((await page.textContent('#counts')) ?? '', /300/);
    assert.deepEqual(requests.filter((u) => !u.startsWith('file:')), [], 'no network requests');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test("a user's own app and task (--app/--task/--args), compared with --baseline", () => {
  const proj = path.join(dir, 'proj');
  rmSync(proj, { recursive: true, force: true });
  spawnSync('mkdir', ['-p', proj]);
  writeFileSync(path.join(proj, 'proj.py'), [
    'from celery import Celery',
    "app = Celery('proj')",
    "app.conf.accept_content = ['json']",
    '',
    "@app.task(name='proj.tasks.resize')",
    'def resize(size):',
    '    return bytes(size)[:4].hex()',
    '',
  ].join('\n'));
  const r = jobctl(['--python', python, '--project', proj, '--app', 'proj', '--task', 'proj.tasks.resize', '--args', '[1024]', '-c', '10', '-n', '200', '--baseline', path.join(dir, 'previous.json'), '--json']);
  assert.equal(r.code, 0, r.stderr + r.stdout.slice(0, 500));
  const result = JSON.parse(r.stdout) as LoadTestResult;
  assert.equal(result.counts.succeeded, 200);
  assert.equal(result.environment.app, 'proj');
  assert.ok(result.latency.runtime.count >= 195, 'the probe module times user tasks too (task_prerun/postrun)');
  assert.ok(result.baseline && result.baseline.deltas.some((d) => d.metric.startsWith('e2e.p95')));
});

test("a task the user's app does not register is refused before the load starts", () => {
  const proj = path.join(dir, 'proj2');
  spawnSync('mkdir', ['-p', proj]);
  writeFileSync(path.join(proj, 'proj2.py'), "from celery import Celery\napp = Celery('proj2')\n\n@app.task(name='proj2.add')\ndef add(x, y):\n    return x + y\n");
  const r = jobctl(['--python', python, '--project', proj, '--app', 'proj2', '--task', 'proj2.resize', '-n', '10']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /app proj2: no task named 'proj2.resize' is registered \(registered: proj2.add\)/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('bad input exits 2 with one line and starts nothing', () => {
  for (const [args, re] of [
    [['--threshold', 'p95<3x'], /--threshold 'p95<3x': unknown duration unit 'x'/],
    [['--rate', '200/s'], /--rate needs --duration/],
    [['--rate', '10/s', '-c', '5'], /either --concurrency .* or --rate/],
    [['--task', 'proj.tasks.resize'], /needs --app/],
    [['--baseline', path.join(dir, 'nope.json')], /nope\.json: cannot read the baseline/],
  ] as [string[], RegExp][]) {
    const r = jobctl(['--python', python, ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace');
  }
});

test('--broker: on a broker jobctl did not start, it touches only its own keys', async () => {
  const { startOwnRedis } = await import('../../src/runtime/redis-server.js');
  const { Redis } = await import('ioredis');
  const redis = await startOwnRedis();
  const c = new Redis(redis.url(0));
  try {
    await c.set('user:key', 'keep');
    await c.lpush('user:queue', 'a message of someone else');
    const r = jobctl(['--python', python, '--broker', redis.url(0), '--allow-shared-broker', '-n', '200', '-c', '20', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as LoadTestResult;
    assert.equal(result.counts.succeeded, 200);
    assert.ok(!r.stdout.includes(redis.password), 'the broker password is never printed');
    const keys = (await c.keys('*')).sort();
    assert.equal(await c.get('user:key'), 'keep');
    assert.equal(await c.llen('user:queue'), 1);
    assert.deepEqual(keys.filter((k) => k.includes('jobctl-load') || k.startsWith('celery-task-meta-')), [], `left behind: ${keys.join(', ')}`);
  } finally {
    c.disconnect();
    await redis.stop();
  }
});

test('an unreachable broker exits 3 with one line', () => {
  const r = jobctl(['--python', python, '--broker', 'redis://127.0.0.1:1/0', '-n', '10']);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /broker redis:\/\/127\.0\.0\.1:1\/0 is not reachable/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('Ctrl-C mid-run: prints what was measured, exits 130, leaves no process behind', async () => {
  const child = spawn(process.execPath, [bin, 'load-test', '--python', python, '--probe', 'sleep:50', '-c', '20', '-n', '100000', '--json'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // wait until the worker runs (a celery process under jobctl), then let the load go on a moment
  const seen = new Map<number, { pid: number; cmd: string }>();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const procs = descendants(child.pid!);
    for (const p of procs) seen.set(p.pid, p);
    if (procs.filter((p) => p.cmd.includes('celery')).length >= 3) break; // main + 2 pool children
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok([...seen.values()].some((p) => p.cmd.includes('redis-server')), `redis-server started: ${stderr}`);
  await new Promise((r) => setTimeout(r, 2500));
  for (const p of descendants(child.pid!)) seen.set(p.pid, p);
  child.kill('SIGINT');
  const code = await Promise.race([exited, new Promise<'hang'>((r) => setTimeout(() => r('hang'), 20_000))]);
  if (code === 'hang') child.kill('SIGKILL');
  assert.equal(code, 130, stderr);
  const result = JSON.parse(stdout) as LoadTestResult;
  assert.equal(result.interrupted, true);
  assert.ok(result.counts.published > 0 && result.counts.succeeded > 0, `measured before the stop: ${JSON.stringify(result.counts)}`);
  assert.equal(result.counts.published, result.counts.succeeded + result.counts.failed + result.counts.lost + result.counts.unfinished);
  assert.equal(result.counts.lost, 0, 'in-flight tasks at Ctrl-C are unfinished, not lost');
  assert.ok(result.latency.e2e.count > 0);
  await new Promise((r) => setTimeout(r, 300));
  const left = [...seen.values()].filter(stillRunning);
  assert.deepEqual(left, [], 'every process jobctl started has ended');
});
