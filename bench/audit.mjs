#!/usr/bin/env node
// Benchmark: `jobctl audit` against ruff (`check --select ALL --isolated --no-cache`) on the same trees, in
// the same run, runs interleaved (jobctl cold, ruff, jobctl warm, jobctl warm after an edit, ...). Each repo is
// copied to a temporary folder first (the edit is made there; the checkout is never modified). Prints one table
// row per repository: Python files and lines, jobctl CPU/wall/peak RSS cold (empty jobctl cache folder: no
// compile cache, no fact cache), warm (the cache folder the cold run left: fact cache and compile cache) and
// warm after editing one parsed file (a comment appended: that file alone must be parsed again), ruff
// CPU/wall/RSS, and the ratios. Exits 1 when a target is missed by more than 10 %, 2 on usage errors.
//
//   node bench/audit.mjs REPO [REPO...] [--runs N] [--startup] [--no-targets]
//
// Targets (issue 14): on repos of 1,000-5,000 Python files, CPU jobctl/ruff <= 1.0x cold and <= 0.5x warm;
// peak RSS <= 250 MiB (any repo up to 5,000 files); identical findings cold and warm. With --startup:
// `jobctl --help` and `jobctl rules` <= 150 ms wall, `jobctl audit fixtures/seed-medical-chat` <= 300 ms
// wall (median of 10). CPU time (user+sys) is printed next to wall time and is the fairer number on a
// shared machine: wall time swings with other people's load, CPU time much less. The ratios use CPU.
// ruff is taken from .cache/venvs/bench-ruff (installed there from PyPI on first use) or PATH.
import { spawnSync, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args.splice(i, 2)[1] : undefined; };
const flag = (name) => { const i = args.indexOf(name); if (i >= 0) args.splice(i, 1); return i >= 0; };
const runs = Number(opt('--runs') ?? 3);
const startup = flag('--startup');
const checkTargets = !flag('--no-targets');
const repos = args.map((a) => path.resolve(a));
if ((!repos.length && !startup) || !Number.isInteger(runs) || runs < 1) {
  console.error('usage: node bench/audit.mjs REPO [REPO...] [--runs N] [--startup] [--no-targets]');
  process.exit(2);
}
for (const r of repos) if (!existsSync(r)) { console.error(`bench/audit: ${r} does not exist; pass checkouts of Python projects`); process.exit(2); }

const SLACK = 1.10; // a target is failed only when missed by more than 10 %
const TARGET = { cpuCold: 1.0, cpuWarm: 0.5, rssMiB: 250, helpMs: 150, seedMs: 300 };
const misses = [];
const judge = (what, value, limit) => { if (checkTargets && value > limit * SLACK) misses.push(`${what}: ${value.toFixed(2)} > ${limit} (+10 %)`); };

function findRuff() {
  const local = path.join(root, '.cache', 'venvs', 'bench-ruff', 'bin', 'ruff');
  if (existsSync(local)) return local;
  if (spawnSync('ruff', ['--version']).status === 0) return 'ruff';
  console.error('bench/audit: installing ruff from PyPI into .cache/venvs/bench-ruff');
  execFileSync('python3', ['-m', 'venv', path.dirname(path.dirname(local))], { stdio: 'inherit' });
  execFileSync(path.join(path.dirname(local), 'pip'), ['install', '-q', 'ruff'], { stdio: 'inherit' });
  return local;
}

/** one run under /usr/bin/time: wall s, CPU s (user+sys), peak RSS KiB; stdout kept only when asked */
function measure(cmd, cmdArgs, { env, keepStdout = false } = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '__RSS__%M %U %S', cmd, ...cmdArgs], {
    encoding: 'utf8', env, maxBuffer: 1024 * 1024 * 1024, stdio: ['ignore', keepStdout ? 'pipe' : 'ignore', 'pipe'],
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const m = /__RSS__(\d+) ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr ?? '');
  if (!m) throw new Error(`${cmd} ${cmdArgs.join(' ')}: no timing (exit ${r.status}): ${(r.stderr ?? '').slice(-1500)}`);
  return { wall, cpu: Number(m[2]) + Number(m[3]), rssMiB: Number(m[1]) / 1024, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const SKIP = new Set(['.git', 'node_modules', '.venv', 'venv', '__pycache__', '.tox', '.mypy_cache']);
/** what the copy leaves out (.git is kept: jobctl reads which files git tracks) */
const COPY_SKIP = new Set([...SKIP].filter((d) => d !== '.git'));
function pythonSize(dir) {
  let files = 0; let lines = 0;
  const walk = (d) => {
    let ents; try { ents = readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of ents) {
      if (e.isDirectory()) { if (!SKIP.has(e.name)) walk(path.join(d, e.name)); } else if (e.isFile() && e.name.endsWith('.py')) {
        files++;
        const t = readFileSync(path.join(d, e.name)); for (const b of t) if (b === 10) lines++;
      }
    }
  };
  walk(dir);
  return { files, lines };
}

const jobctl = path.join(root, 'bin', 'run.js');
const benchCache = path.join(root, '.cache', 'bench-jobctl-cache');
const envWith = (cacheDir) => ({ ...process.env, JOBCTL_CACHE_DIR: cacheDir, JOBCTL_DEBUG: 'cache' });
/** the fact cache's own account of a run (JOBCTL_DEBUG=cache): files parsed, hits */
const cacheStats = (stderr) => {
  const line = stderr.split('\n').find((l) => l.startsWith('jobctl: fact cache '));
  return line ? JSON.parse(line.slice('jobctl: fact cache '.length)) : null;
};
const findingKeys = (stdout) => {
  const j = JSON.parse(stdout);
  return { version: j.tool?.version, keys: j.findings.map((f) => `${f.ruleId ?? f.rule ?? f.id}|${f.file ?? f.location?.file}|${f.line ?? f.location?.line}|${f.message}`).sort() };
};

const rows = [];
if (repos.length) {
  const ruff = findRuff();
  const ruffVersion = spawnSync(ruff, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`${ruffVersion}; jobctl at ${root}; ${runs} interleaved runs each, medians; load average ${os.loadavg()[0].toFixed(1)} on ${os.availableParallelism()} cores`);
  for (const original of repos) {
    const size = pythonSize(original);
    const cacheDir = path.join(benchCache, path.basename(original));
    // a copy: the edit is made there, and ruff and jobctl read the same tree
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'jobctl-bench-'));
    const repo = path.join(scratch, path.basename(original));
    cpSync(original, repo, { recursive: true, filter: (src) => !COPY_SKIP.has(path.basename(src)) || src === original });
    const jArgs = [jobctl, 'audit', repo, '--json', '--exit-zero'];
    const rArgs = ['check', repo, '--select', 'ALL', '--isolated', '--no-cache', '--exit-zero', '--quiet', '--output-format', 'concise'];
    const cold = []; const warm = []; const edit = []; const rf = [];
    let coldFindings; let warmFindings; let editFindings; let warmParsed = 0; let editParsed = [];
    try {
      for (let i = 0; i < runs; i++) {
        rmSync(cacheDir, { recursive: true, force: true });
        mkdirSync(cacheDir, { recursive: true });
        const c = measure(process.execPath, jArgs, { env: envWith(cacheDir), keepStdout: true });
        if (c.status !== 0) { console.error(`jobctl failed on ${repo} (exit ${c.status}):\n${c.stderr.slice(-2000)}`); process.exit(1); }
        cold.push(c); coldFindings ??= findingKeys(c.stdout);
        rf.push(measure(ruff, rArgs));
        const w = measure(process.execPath, jArgs, { env: envWith(cacheDir), keepStdout: true });
        warm.push(w); warmFindings ??= findingKeys(w.stdout);
        warmParsed = Math.max(warmParsed, cacheStats(w.stderr)?.parsed.length ?? Infinity);
        // one file the cold run parsed (the middle one of its list): a comment appended, then put back
        const parsed = [...(cacheStats(c.stderr)?.parsed ?? [])].sort();
        const victim = parsed[Math.floor(parsed.length / 2)];
        if (!victim) continue;
        const file = path.join(repo, victim);
        const text = readFileSync(file);
        writeFileSync(file, Buffer.concat([text, Buffer.from(`\n# jobctl bench: edited in run ${i + 1}\n`)]));
        try {
          const e = measure(process.execPath, jArgs, { env: envWith(cacheDir), keepStdout: true });
          edit.push(e); editFindings ??= findingKeys(e.stdout);
          editParsed = cacheStats(e.stderr)?.parsed ?? ['?'];
        } finally {
          writeFileSync(file, text);
        }
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    const m = (xs, k) => median(xs.map((x) => x[k]));
    const stat = (xs) => (xs.length ? { cpu: m(xs, 'cpu'), wall: m(xs, 'wall'), rss: m(xs, 'rssMiB') } : null);
    const row = {
      repo: path.basename(original), files: size.files, lines: size.lines, findings: coldFindings.keys.length,
      cold: stat(cold), warm: stat(warm), edit: stat(edit), ruff: stat(rf), warmParsed, editParsed: editParsed.length,
      same: JSON.stringify(coldFindings.keys) === JSON.stringify(warmFindings.keys) && (!editFindings || JSON.stringify(coldFindings.keys) === JSON.stringify(editFindings.keys)),
    };
    rows.push(row);
    if (!row.same) misses.push(`${row.repo}: findings differ cold vs warm vs edited`);
    if (row.warmParsed !== 0) misses.push(`${row.repo}: a warm run parsed ${row.warmParsed} files (expected none)`);
    if (row.edit && row.editParsed !== 1) misses.push(`${row.repo}: the run after editing one file parsed ${row.editParsed} files (expected 1)`);
    if (size.files >= 1000 && size.files <= 5000) {
      judge(`${row.repo} CPU cold jobctl/ruff`, row.cold.cpu / row.ruff.cpu, TARGET.cpuCold);
      judge(`${row.repo} CPU warm jobctl/ruff`, row.warm.cpu / row.ruff.cpu, TARGET.cpuWarm);
    }
    if (size.files <= 5000) judge(`${row.repo} peak RSS MiB`, Math.max(row.cold.rss, row.warm.rss), TARGET.rssMiB);
    printRow(row);
  }
  console.log('\nCPU = user+sys s, wall s, RSS = peak MiB. cold: empty JOBCTL_CACHE_DIR; warm: the fact and compile cache the cold run left;');
  console.log('edit: warm after appending a comment to one file the cold run parsed (parsed: files parsed warm / after the edit).');
}

function printRow(r) {
  if (rows.length === 1) {
    console.log(['repo', 'py files', 'lines', 'findings', 'jobctl cold CPU/wall/RSS', 'jobctl warm CPU/wall/RSS', 'jobctl edit CPU/wall/RSS', 'ruff ALL CPU/wall/RSS', 'CPU cold x', 'CPU warm x', 'CPU edit x', 'wall cold x', 'RSS x', 'parsed warm/edit', 'same'].join(' | '));
  }
  const t = (x) => (x ? `${x.cpu.toFixed(2)}/${x.wall.toFixed(2)}/${x.rss.toFixed(0)}` : '-');
  const x = (a) => (a ? (a.cpu / r.ruff.cpu).toFixed(2) : '-');
  console.log([r.repo, r.files, r.lines, r.findings, t(r.cold), t(r.warm), t(r.edit), t(r.ruff),
    x(r.cold), x(r.warm), x(r.edit), (r.cold.wall / r.ruff.wall).toFixed(2),
    (Math.max(r.cold.rss, r.warm.rss) / r.ruff.rss).toFixed(2), `${r.warmParsed}/${r.edit ? r.editParsed : '-'}`, r.same ? 'yes' : 'NO'].join(' | '));
}

if (startup) {
  const cacheDir = path.join(benchCache, 'startup');
  mkdirSync(cacheDir, { recursive: true });
  const seed = path.join(root, 'fixtures', 'seed-medical-chat');
  const cases = [['--help', ['--help'], TARGET.helpMs], ['rules', ['rules'], TARGET.helpMs], ['audit seed-medical-chat', ['audit', seed, '--exit-zero'], TARGET.seedMs]];
  console.log('\nstart-up (median of 10, warm compile cache):');
  for (const [name, a, limit] of cases) {
    measure(process.execPath, [jobctl, ...a], { env: envWith(cacheDir) });
    const xs = Array.from({ length: 10 }, () => measure(process.execPath, [jobctl, ...a], { env: envWith(cacheDir) }));
    const wallMs = median(xs.map((x) => x.wall)) * 1000;
    const cpuMs = median(xs.map((x) => x.cpu)) * 1000;
    console.log(`  jobctl ${name}: ${wallMs.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU (target ${limit} ms wall)`);
    judge(`jobctl ${name} wall ms`, wallMs, limit);
  }
}

console.log(`load average (1 min) at the end: ${os.loadavg()[0].toFixed(1)} on ${os.availableParallelism()} cores`);
if (misses.length) {
  console.log(`\nMISSED by more than 10 %:\n  ${misses.join('\n  ')}`);
  process.exit(1);
}
console.log(checkTargets ? '\nall targets met' : '');
