// Right words and newcomer items (probe.md D17, D20, D22, D23, D26 and the short-flag item of issue 17).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Config } from '@oclif/core';
import { jobctl, jobctlAll, show } from '../support/cli.js';
import { fixturesDir, repoRoot } from '../support/fixtures.js';

const proj = path.join(fixturesDir, 'security');

test('D20: usage and config errors with --format json print a JSON error, with --format sarif a failed SARIF run', async () => {
  const [j1, j2, s1, s2] = await jobctlAll([
    ['audit', '/nonexistent/nope', '--format', 'json'],
    ['audit', proj, '--format', 'json', '--frobnicate'],
    ['audit', '/nonexistent/nope', '--format', 'sarif'],
    ['audit', proj, '--format=sarif', '--target', '9.9'],
  ]);
  for (const r of [j1!, j2!]) {
    assert.equal(r.code, 2, show(r));
    const doc = JSON.parse(r.stdout) as { error: { message: string; exitCode: number } };
    assert.equal(doc.error.exitCode, 2);
  }
  for (const r of [s1!, s2!]) {
    assert.equal(r.code, 2, show(r));
    const log = JSON.parse(r.stdout) as { version: string; runs: { invocations: { executionSuccessful: boolean; toolExecutionNotifications: { message: { text: string } }[] }[] }[] };
    assert.equal(log.version, '2.1.0');
    assert.equal(log.runs[0]!.invocations[0]!.executionSuccessful, false);
    assert.ok(log.runs[0]!.invocations[0]!.toolExecutionNotifications[0]!.message.text.length > 0);
  }
});

test("D26: empty flag values are usage errors, --json with another --format is said, --from X --to X stays allowed", async () => {
  const runs = await jobctlAll([
    ['audit', proj, '--target', ''],
    ['audit', proj, '--target='],
    ['smoke-test', proj, '--app', ''],
  ]);
  for (const r of runs) {
    assert.equal(r.code, 2, show(r));
    assert.match(r.stderr + r.stdout, /is empty; give it a value/, show(r));
  }
  // --json wins over --format (documented), but says so
  const both = await jobctl(['audit', proj, '--json', '--format', 'sarif']);
  assert.ok(JSON.parse(both.stdout).findings, show(both));
  assert.match(both.stderr, /--json is given, so --format sarif is ignored/);
  const same = await jobctl(['upgrade-plan', path.join(fixturesDir, 'versions-and-deps'), '--from', '5.3.4', '--to', '5.3.4']);
  assert.notEqual(same.code, 2, show(same));
});

test('short flags mean one thing across commands (-t is always the target version)', async () => {
  const config = await Config.load(repoRoot);
  const meaning = new Map<string, Set<string>>();
  for (const cmd of config.commands) {
    for (const [name, flag] of Object.entries(cmd.flags)) {
      if (!flag.char) continue;
      const set = meaning.get(flag.char) ?? new Set<string>();
      set.add(name);
      meaning.set(flag.char, set);
    }
  }
  assert.deepEqual([...(meaning.get('t') ?? [])].sort(), ['target', 'to']);
  const load = config.findCommand('load-test')!;
  assert.equal(load.flags.threshold!.char, undefined);
});

test('D17: Ctrl-C and Ctrl-D in the checklist prompt exit 130 with one quiet line', { skip: !existsSync('/usr/bin/script') }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jobctl-prompt-'));
  try {
    cpSync(path.join(fixturesDir, 'seed-scheduler-checklist'), dir, { recursive: true });
    for (const key of ['\\x03', '\\x04']) {
      const cmd = `(sleep 4; printf '${key}'; sleep 3) | script -qec "${process.execPath} ${path.join(repoRoot, 'bin', 'run.js')} checklist ${dir}" /dev/null`;
      const r = spawnSync('/bin/sh', ['-c', cmd], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, CI: '' } });
      assert.equal(r.status, 130, `${key}: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /jobctl: interrupted; no answer was saved/);
      assert.doesNotMatch(r.stdout, /internal error|unsettled top-level await/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('D22: without a build, jobctl says to build instead of "command not found"; prepare does not hide a failed build', () => {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.doesNotMatch(pkg.scripts.prepare!, /\|\|\s*true/);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jobctl-unbuilt-'));
  try {
    mkdirSync(path.join(dir, 'bin'));
    cpSync(path.join(repoRoot, 'bin', 'run.js'), path.join(dir, 'bin', 'run.js'));
    cpSync(path.join(repoRoot, 'package.json'), path.join(dir, 'package.json'));
    symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'));
    const r = spawnSync(process.execPath, [path.join(dir, 'bin', 'run.js'), 'audit', '.'], { encoding: 'utf8', cwd: dir });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /not built .*npm run build/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('D23: the Node version hint is the one README gives; README lists what npm test needs', () => {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const bin = readFileSync(path.join(repoRoot, 'bin', 'run.js'), 'utf8');
  const hint = /npm install -g node@\d+/.exec(bin)![0];
  assert.ok(readme.includes(hint), `README does not say ${hint}`);
  assert.match(readme, /python3-venv/);
  assert.match(readme, /package index/);
  assert.match(readme, /143/);
});

test('D19: a --baseline that is not JSON never suggests overwriting that file', async () => {
  const r = await jobctl(['load-test', path.join(fixturesDir, 'runtime-good-app'), '--python', '/nonexistent/python', '--baseline', '/etc/passwd']);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /\/etc\/passwd: not JSON/);
  assert.doesNotMatch(r.stderr, />\s*\/etc\/passwd/);
});

test('D32: `jobctl rules` keeps the severity column aligned for long rule names', async () => {
  const r = await jobctl(['rules']);
  assert.equal(r.code, 0, show(r));
  const cols = r.stdout.split('\n').filter((l) => /^JC\d{3}/.test(l)).map((l) => l.search(/ (error|warning|info) /));
  assert.ok(cols.length > 10);
  assert.equal(new Set(cols).size, 1, r.stdout);
});

test('D24: nothing jobctl ships (rule pages, rule sources, templates, README) cites the team\'s internal shared/ notes', async () => {
  const cited: string[] = [];
  const walk = (p: string): void => {
    if (statSync(p).isDirectory()) { for (const n of readdirSync(p)) walk(path.join(p, n)); return; }
    if (!/\.(md|ts|js|mjs|json|py|txt|ya?ml)$/.test(p)) return;
    readFileSync(p, 'utf8').split('\n').forEach((l, i) => { if (/(^|[\s(`'"/])shared\/(research|seeds|README)/.test(l)) cited.push(`${path.relative(repoRoot, p)}:${i + 1}`); });
  };
  // package.json "files" (dist/src is built from src) plus bin
  for (const p of ['src', 'templates', 'docs/rules', 'README.md', 'bin']) walk(path.join(repoRoot, p));
  assert.deepEqual(cited, []);
  const r = await jobctl(['rules', 'JC204']);
  assert.equal(r.code, 0, show(r));
  assert.doesNotMatch(r.stdout, /shared\//);
});
