// action.yml against GitHub's metadata rules for composite actions
// (docs.github.com: "Metadata syntax for GitHub Actions"), and its audit step run for real with bash
// the way the runner would (env inputs, GITHUB_ACTION_PATH, GITHUB_OUTPUT).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { checkoutFixture, removeDir, repoRoot } from '../support/fixtures.js';
import { jobctl } from '../support/cli.js';

interface Step { name?: string; id?: string; uses?: string; run?: string; shell?: string; with?: Record<string, unknown>; env?: Record<string, string>; if?: string; 'working-directory'?: string }
interface ActionMeta {
  name: string; description: string; author?: string;
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs?: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: Step[] };
}
const action = YAML.parse(readFileSync(path.join(repoRoot, 'action.yml'), 'utf8')) as ActionMeta;

test('action.yml: composite metadata that GitHub accepts', () => {
  assert.equal(typeof action.name, 'string');
  assert.equal(typeof action.description, 'string');
  assert.equal(action.runs.using, 'composite');
  assert.ok(Array.isArray(action.runs.steps) && action.runs.steps.length > 0);
  for (const [id, input] of Object.entries(action.inputs)) {
    assert.match(id, /^[a-zA-Z_][a-zA-Z0-9_-]*$/, `input id ${id}`);
    assert.equal(typeof input.description, 'string', `input ${id} needs a description`);
    if (input.default !== undefined) assert.equal(typeof input.default, 'string', `input ${id}: defaults are strings`);
  }
  for (const [id, out] of Object.entries(action.outputs ?? {})) assert.ok(out.value && out.description, `composite output ${id} needs value and description`);
  const ids = new Set(action.runs.steps.map((s) => s.id).filter(Boolean));
  for (const step of action.runs.steps) {
    assert.ok(Boolean(step.run) !== Boolean(step.uses), `step ${step.name}: exactly one of run/uses`);
    if (step.run) assert.ok(['bash', 'sh', 'pwsh', 'python', 'cmd', 'powershell'].includes(step.shell ?? ''), `step ${step.name}: composite run steps must set shell`);
    if (step.uses) {
      // local or docker refs need no pin; everything else is pinned to a full commit sha
      if (!step.uses.startsWith('./') && !step.uses.startsWith('docker://')) assert.match(step.uses, /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/, `step ${step.name}: ${step.uses} must be pinned to a full commit sha`);
    }
  }
  for (const out of Object.values(action.outputs ?? {})) {
    for (const m of out.value.matchAll(/steps\.([\w-]+)\.outputs/g)) assert.ok(ids.has(m[1]!), `output refers to unknown step ${m[1]}`);
  }
});

test('action.yml: every input used exists, every input is used, none is expanded inside a script', () => {
  const text = readFileSync(path.join(repoRoot, 'action.yml'), 'utf8');
  const used = new Set([...text.matchAll(/inputs\.([\w-]+)/g)].map((m) => m[1]!));
  const declared = new Set(Object.keys(action.inputs));
  assert.deepEqual([...used].filter((u) => !declared.has(u)), [], 'inputs used but not declared');
  assert.deepEqual([...declared].filter((d) => !used.has(d)), [], 'inputs declared but never used');
  for (const key of ['path', 'target', 'fail-on', 'sarif']) assert.ok(declared.has(key), `the issue asks for input ${key}`);
  for (const step of action.runs.steps) {
    // ${{ }} inside run: is pasted into the script before bash sees it (script injection); env is safe
    assert.doesNotMatch(step.run ?? '', /\$\{\{/, `step ${step.name}: pass expressions through env, not into the script`);
  }
  const node = action.runs.steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
  assert.ok(node, 'sets up Node');
  assert.ok(Number(String(node.with?.['node-version'])) >= 22, 'Node >= 22');
  const install = action.runs.steps.find((s) => /npm ci/.test(s.run ?? ''));
  assert.equal(install?.['working-directory'], '${{ github.action_path }}', 'installs from the action\'s own checkout');
  assert.match(install?.run ?? '', /npm run build/);
});

/** Runs one step's script as the runner does: its env (inputs substituted), bash -e, GITHUB_* set. */
function runStep(step: Step, inputs: Record<string, string>, extraEnv: Record<string, string>): { code: number | null; stdout: string; stderr: string } {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), NO_COLOR: '1', ...extraEnv };
  for (const [k, v] of Object.entries(step.env ?? {})) {
    env[k] = v.replace(/\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g, (_, id: string) => inputs[id] ?? action.inputs[id]?.default ?? '');
  }
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], { env, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('action.yml: the audit step annotates, writes SARIF, sets the output and fails the job on findings; a baseline turns it green', { timeout: 120_000 }, async () => {
  const dir = checkoutFixture('legacy-adoption');
  const tmp = mkdtempSync(path.join(tmpdir(), 'jobctl-action-'));
  try {
    const step = action.runs.steps.find((s) => s.id === 'audit')!;
    const ghEnv = { GITHUB_ACTION_PATH: repoRoot, GITHUB_OUTPUT: path.join(tmp, 'output') };
    const sarif = path.join(tmp, 'jobctl.sarif');
    const red = runStep(step, { path: dir, target: '5.6', sarif }, ghEnv);
    assert.equal(red.code, 1, red.stderr);
    assert.match(red.stdout, /^::warning file=celeryconfig\.py,line=\d+/m);
    assert.ok(existsSync(sarif));
    assert.equal((JSON.parse(readFileSync(sarif, 'utf8')) as { version: string }).version, '2.1.0');
    assert.match(readFileSync(ghEnv.GITHUB_OUTPUT, 'utf8'), new RegExp(`^sarif=${sarif.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    // fail-on input overrides the project's fail-on: warning
    assert.equal(runStep(step, { path: dir, 'fail-on': 'error' }, ghEnv).code, 1, 'the fixture has errors');
    assert.equal((await jobctl(['audit', dir, '--write-baseline', path.join(dir, 'jobctl-baseline.json')])).code, 0);
    const green = runStep(step, { path: dir }, ghEnv);
    assert.equal(green.code, 0, green.stdout + green.stderr);
    assert.doesNotMatch(green.stdout, /^::(error|warning)/m);
  } finally {
    removeDir(dir);
    removeDir(tmp);
  }
});
