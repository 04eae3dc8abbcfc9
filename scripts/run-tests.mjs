#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with node's test runner: the spec reporter
// for people, and a closing `N passed, N failed` line for CI. Pass area names to run a subset:
//   node scripts/run-tests.mjs model rules
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const testRoot = path.join(root, 'dist', 'test');
if (!existsSync(testRoot)) {
  console.error('jobctl tests: dist/test is missing; run `npm run build` first');
  process.exit(2);
}
const areas = process.argv.slice(2);
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js')) files.push(p);
  }
};
walk(testRoot);
const selected = areas.length ? files.filter((f) => areas.some((a) => path.relative(testRoot, f).startsWith(a))) : files;
const args = [
  '--test',
  '--test-concurrency=1',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  `--test-reporter=${path.join(root, 'scripts', 'summary-reporter.mjs')}`, '--test-reporter-destination=stdout',
  ...selected,
];
// Every temp file of the run (test projects, jobctl's redis-server folders, Python's pymp-*) goes to one
// scratch folder that is removed at the end: the tests leave nothing in /tmp, even when a test forgets.
// (Outside the repository: test projects must not look like part of a git checkout.)
const scratch = mkdtempSync(path.join(os.tmpdir(), 'jobctl-tests-'));
let r;
try {
  r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root, env: { ...process.env, NO_COLOR: process.env.NO_COLOR ?? '1', TMPDIR: scratch } });
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(r.status ?? 1);
