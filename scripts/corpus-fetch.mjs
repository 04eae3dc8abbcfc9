#!/usr/bin/env node
// Downloads the PyPI corpus (test/corpus/pypi.json) into .cache/corpus/: each pinned wheel with
// `pip download --no-deps --only-binary=:all:` (wheels only: no third-party build step runs), checked
// against its pinned sha256, then unpacked with Python's zipfile into .cache/corpus/src/<name>-<version>/.
// A project already unpacked (marker with the same wheel and sha256) is skipped, so a warm cache costs nothing;
// the wheel itself is deleted once unpacked. Prints the time it took.
//
//   node scripts/corpus-fetch.mjs            # all projects
//   node scripts/corpus-fetch.mjs pretix     # some
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const cache = path.join(root, '.cache', 'corpus');
const manifest = JSON.parse(readFileSync(path.join(root, 'test', 'corpus', 'pypi.json'), 'utf8'));
const only = process.argv.slice(2);
const projects = manifest.projects.filter((p) => only.length === 0 || only.includes(p.name));

// Unpacked files the audit never reads (static assets, translations, fonts, images) are left out: they
// are most of a wheel's bytes and none of its Celery config.
const SKIP_EXT = ['.js', '.mjs', '.css', '.scss', '.less', '.map', '.png', '.jpg', '.jpeg', '.gif', '.svg', '.ico', '.webp',
  '.woff', '.woff2', '.ttf', '.eot', '.otf', '.mo', '.po', '.pot', '.pdf', '.zip', '.gz', '.mp3', '.mp4', '.wasm', '.xlsx', '.docx', '.parquet', '.geojson', '.html', '.htm', '.csv'];

const srcDir = (p) => path.join(cache, 'src', `${p.name}-${p.version}`);

function pipCommand() {
  const candidates = [['python3', ['-m', 'pip']]];
  const venvs = path.join(root, '.cache', 'venvs');
  if (existsSync(venvs)) for (const v of readdirSync(venvs).sort()) candidates.push([path.join(venvs, v, 'bin', 'python'), ['-m', 'pip']]);
  for (const [cmd, args] of candidates) {
    if (spawnSync(cmd, [...args, '--version'], { stdio: 'ignore' }).status === 0) return [cmd, args];
  }
  return null;
}

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

const t0 = performance.now();
let fetched = 0;
let failed = 0;
let pip;
for (const p of projects) {
  const dest = srcDir(p);
  const marker = path.join(dest, '.jobctl-corpus-complete');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === `${p.wheel} ${p.sha256}\n`) continue;
  const wheels = path.join(cache, 'wheels');
  mkdirSync(wheels, { recursive: true });
  const wheel = path.join(wheels, p.wheel);
  if (!existsSync(wheel) || sha256(wheel) !== p.sha256) {
    pip ??= pipCommand();
    if (!pip) { console.error('corpus-fetch: no pip found (python3 -m pip or a venv under .cache/venvs)'); process.exit(2); }
    const r = spawnSync(pip[0], [...pip[1], 'download', '--quiet', '--disable-pip-version-check', '--no-deps', '--only-binary=:all:', `${p.name}==${p.version}`, '-d', wheels], { encoding: 'utf8' });
    if (r.status !== 0 || !existsSync(wheel)) {
      console.error(`corpus-fetch: pip download ${p.name}==${p.version} failed: ${(r.stderr || '').trim().split('\n').pop()}`);
      failed++;
      continue;
    }
  }
  const got = sha256(wheel);
  if (got !== p.sha256) {
    console.error(`corpus-fetch: ${p.wheel}: sha256 ${got} does not match the pinned ${p.sha256}`);
    failed++;
    continue;
  }
  const tmp = `${dest}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const py = [
    'import sys, zipfile, os',
    'skip = tuple(sys.argv[3].split(","))',
    'with zipfile.ZipFile(sys.argv[1]) as z:',
    '    for n in z.namelist():',
    '        if n.endswith("/") or n.lower().endswith(skip): continue',
    '        z.extract(n, sys.argv[2])',
  ].join('\n');
  const u = spawnSync('python3', ['-c', py, wheel, tmp, SKIP_EXT.join(',')], { encoding: 'utf8' });
  if (u.status !== 0) {
    console.error(`corpus-fetch: unpacking ${p.wheel} failed: ${(u.stderr || '').trim().split('\n').pop()}`);
    rmSync(tmp, { recursive: true, force: true });
    failed++;
    continue;
  }
  writeFileSync(path.join(tmp, '.jobctl-corpus-complete'), `${p.wheel} ${p.sha256}\n`);
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(path.dirname(dest), { recursive: true });
  renameSync(tmp, dest);
  rmSync(wheel, { force: true }); // the unpacked tree (and its marker) is what is cached
  fetched++;
}
const secs = ((performance.now() - t0) / 1000).toFixed(1);
console.error(`corpus-fetch: ${projects.length} projects, ${fetched} downloaded/unpacked, ${projects.length - fetched - failed} cached, ${failed} failed, ${secs}s`);
process.exit(failed ? 1 : 0);
