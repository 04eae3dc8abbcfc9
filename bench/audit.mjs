#!/usr/bin/env node
// Benchmark: `jobctl audit` against ruff (PyPI) on one large real repository, in the same run.
// Prints wall time and peak RSS (median of N runs each) and the ratio jobctl/ruff, plus jobctl's own
// phase timings (where the time goes).
//
//   node bench/audit.mjs [PATH] [--runs N]
//
// PATH: a checkout of a large Python project (default .cache/bench/saleor; any big Django/Celery repo
// works). ruff is taken from PATH or installed into .cache/venvs/bench-ruff on first use.
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const args = process.argv.slice(2);
const runsIdx = args.indexOf('--runs');
const runs = runsIdx >= 0 ? Number(args.splice(runsIdx, 2)[1]) : 3;
const target = path.resolve(args[0] ?? path.join(root, '.cache', 'bench', 'saleor'));
if (!existsSync(target)) {
  console.error(`bench/audit: ${target} does not exist; pass the path of a large Python project checkout`);
  process.exit(2);
}

function findRuff() {
  const local = path.join(root, '.cache', 'venvs', 'bench-ruff', 'bin', 'ruff');
  if (existsSync(local)) return local;
  const onPath = spawnSync('ruff', ['--version']);
  if (onPath.status === 0) return 'ruff';
  console.error('bench/audit: installing ruff from PyPI into .cache/venvs/bench-ruff');
  execFileSync('python3', ['-m', 'venv', path.join(root, '.cache', 'venvs', 'bench-ruff')], { stdio: 'inherit' });
  execFileSync(path.join(root, '.cache', 'venvs', 'bench-ruff', 'bin', 'pip'), ['install', '-q', 'ruff'], { stdio: 'inherit' });
  return local;
}

/**
 * run a command under /usr/bin/time: wall seconds, CPU seconds (user+sys) and max RSS (KiB). CPU time is
 * printed too because this machine is shared: wall time swings with other people's load, CPU time less.
 */
function measure(cmd, cmdArgs) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '__RSS__%M %U %S', cmd, ...cmdArgs], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const m = /__RSS__(\d+) ([\d.]+) ([\d.]+)/.exec(r.stderr ?? '');
  return { wall, cpu: m ? Number(m[2]) + Number(m[3]) : NaN, rssKiB: m ? Number(m[1]) : NaN, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ruff = findRuff();
const ruffVersion = spawnSync(ruff, ['--version'], { encoding: 'utf8' }).stdout.trim();
const jobctlCmd = [path.join(root, 'bin', 'run.js'), 'audit', target, '--json', '--exit-zero'];
const ruffCmd = ['check', target, '--no-cache', '--exit-zero', '--output-format', 'json', '--quiet'];

const j = [];
const r = [];
let lastJson = null;
for (let i = 0; i < runs; i++) {
  const a = measure(process.execPath, jobctlCmd);
  if (a.status !== 0) {
    console.error(`jobctl failed (exit ${a.status}):\n${a.stderr.slice(-2000)}`);
    process.exit(1);
  }
  lastJson = JSON.parse(a.stdout);
  j.push(a);
  const b = measure(ruff, ruffCmd);
  r.push(b);
}
const jw = median(j.map((x) => x.wall));
const rw = median(r.map((x) => x.wall));
const jc = median(j.map((x) => x.cpu));
const rc = median(r.map((x) => x.cpu));
const jm = median(j.map((x) => x.rssKiB));
const rm = median(r.map((x) => x.rssKiB));
const pyFiles = spawnSync('bash', ['-c', `find "${target}" -name '*.py' -not -path '*/node_modules/*' | wc -l`], { encoding: 'utf8' }).stdout.trim();
console.log(`target: ${target} (${pyFiles} .py files)`);
console.log(`jobctl ${lastJson.tool.version}: ${jw.toFixed(2)} s wall, ${jc.toFixed(2)} s CPU, ${(jm / 1024).toFixed(0)} MiB peak RSS, ${lastJson.summary.filesScanned} files read, ${lastJson.findings.length} findings`);
console.log(`${ruffVersion} (ruff check, default rules): ${rw.toFixed(2)} s wall, ${rc.toFixed(2)} s CPU, ${(rm / 1024).toFixed(0)} MiB peak RSS`);
console.log(`ratio jobctl/ruff: wall ${(jw / rw).toFixed(2)}x, CPU ${(jc / rc).toFixed(2)}x, memory ${(jm / rm).toFixed(2)}x  (median of ${runs} runs each)`);
const load = (await import('node:os')).loadavg()[0];
console.log(`load average (1 min) at the end: ${load.toFixed(2)} on ${(await import('node:os')).availableParallelism()} cores`);
if (lastJson.summary.timings) {
  console.log(`jobctl phases (last run, ms): ${Object.entries(lastJson.summary.timings).map(([k, v]) => `${k} ${v}`).join(', ')}`);
}
