// The package as users get it: `npm pack` → `npm install -g <tarball>` into a temp prefix → the
// installed `jobctl` runs `audit` and `smoke-test` on a fixture copied outside the repository. This
// proves `files` ships what runs: dist, the tree-sitter wasm grammar (a dependency), knowledge data,
// templates/python helpers, docs/rules; and that shell completion (oclif's autocomplete plugin) works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureCeleryVenv } from '../../src/runtime/venvs.js';
import { removeDir, repoRoot, fixturesDir } from '../support/fixtures.js';

const npm = (args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) => spawnSync('npm', args, { cwd, env, encoding: 'utf8', timeout: 600_000 });

test('npm pack → npm install -g → jobctl audit and smoke-test from outside the repository', { timeout: 900_000 }, () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'jobctl-pkg-'));
  try {
    // dist/ is built by `npm test` (tsc) before the tests run; pack without re-running prepare
    assert.ok(existsSync(path.join(repoRoot, 'dist', 'src', 'commands', 'audit.js')), 'dist is built');
    const pack = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], repoRoot);
    assert.equal(pack.status, 0, pack.stderr);
    const info = (JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[])[0]!;
    const shipped = info.files.map((f) => f.path);
    for (const must of ['bin/run.js', 'dist/src/commands/audit.js', 'dist/src/commands/init.js', 'templates/python/jobctl_app_errors.py', 'src/knowledge/data/releases.json', 'docs/rules/JC101.md', 'README.md']) {
      assert.ok(shipped.includes(must), `the package ships ${must}`);
    }
    assert.ok(!shipped.some((p) => p.startsWith('dist/test/') || p.startsWith('test/') || p.startsWith('fixtures/') || p.startsWith('.cache/')), 'no tests, fixtures or caches in the package');

    const prefix = path.join(tmp, 'prefix');
    const install = npm(['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', path.join(tmp, info.filename)], tmp);
    assert.equal(install.status, 0, install.stderr);
    const bin = path.join(prefix, 'bin', 'jobctl');
    const installed = path.join(prefix, 'lib', 'node_modules', 'jobctl');
    assert.ok(existsSync(path.join(installed, 'node_modules', 'tree-sitter-python', 'tree-sitter-python.wasm')), 'the wasm grammar is installed with it');

    // the project outside the repository, jobctl run from there with a clean environment
    const project = path.join(tmp, 'project');
    cpSync(path.join(fixturesDir, 'legacy-adoption'), project, { recursive: true });
    const cache = path.join(tmp, 'cache');
    const env = { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: cache, PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}` };
    const run = (...args: string[]) => spawnSync(bin, args, { cwd: project, env, encoding: 'utf8', timeout: 300_000 });
    const audit = run('audit', '.', '--json');
    assert.equal(audit.status, 1, audit.stderr);
    const result = JSON.parse(audit.stdout) as { findings: { ruleId: string }[]; tool: { version: string } };
    assert.ok(result.findings.length >= 18, `the installed package finds the legacy findings (${result.findings.length})`);
    assert.ok(result.findings.some((f) => f.ruleId === 'JC101'), 'Python is parsed (the wasm grammar loads)');
    assert.equal(result.tool.version, (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version);
    const explain = run('rules', 'JC101');
    assert.equal(explain.status, 0, explain.stderr);

    // shell completion from @oclif/plugin-autocomplete
    const setup = run('autocomplete', 'bash');
    assert.equal(setup.status, 0, setup.stderr);
    assert.match(setup.stdout, /jobctl autocomplete script bash/);
    const ac = run('autocomplete', 'script', 'bash');
    assert.equal(ac.status, 0, ac.stderr);
    assert.match(ac.stdout, /JOBCTL_AC_BASH_SETUP_PATH=/);
    const fn = path.join(cache, 'jobctl', 'autocomplete', 'functions', 'bash', 'jobctl.bash');
    assert.ok(existsSync(fn), 'completion functions are generated');
    assert.match(readFileSync(fn, 'utf8'), /write-baseline/);

    // smoke-test: the Python helpers (templates/python) ship and drive a real worker
    const app = path.join(tmp, 'app');
    cpSync(path.join(fixturesDir, 'runtime-good-app'), app, { recursive: true });
    const python = ensureCeleryVenv('5.7.0');
    const junit = path.join(tmp, 'smoke.xml');
    const smoke = spawnSync(bin, ['smoke-test', '.', '--python', python, '--junit', junit], { cwd: app, env, encoding: 'utf8', timeout: 300_000 });
    assert.equal(smoke.status, 0, `${smoke.stdout}\n${smoke.stderr}`);
    const xml = readFileSync(junit, 'utf8');
    assert.match(xml, /<testsuites name="jobctl smoke-test" tests="\d+" failures="0"/);
  } finally {
    removeDir(tmp);
  }
});
