// Suppressions, config and reporters, on small projects written to temp dirs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseSuppressions, isSuppressed } from '../../src/engine/suppressions.js';
import { runAudit } from '../../src/engine/audit.js';
import { renderAudit } from '../../src/report/index.js';
import { buildAuditSarif } from '../../src/report/audit-sarif.js';
import { escapeData, escapeProperty, renderAuditGithub } from '../../src/report/audit-github.js';
import { removeDir, writeProject } from '../support/fixtures.js';

const project = (files: Record<string, string>): string => writeProject(files, 'jobctl-engine-');

const OLD_STYLE = [
  'from celery import Celery',
  "app = Celery('proj')",
  "app.config_from_object('celeryconfig')",
  '',
].join('\n');

test('suppression: trailing comment covers its line, own-line comment covers the next statement', () => {
  const s = parseSuppressions([
    "BROKER_URL = 'redis://'  # jobctl: ignore[JC101]",
    '# jobctl: ignore[JC104, JC101]',
    'app.conf.update(',
    '    worker_concurency=2,',
    ')',
    'CELERYD_CONCURRENCY = 2  # noqa',
    '# jobctl: file-ignore[JC305]',
  ].join('\n'));
  assert.equal(isSuppressed(s, 'JC101', 1), true);
  assert.equal(isSuppressed(s, 'JC104', 1), false);
  assert.equal(isSuppressed(s, 'JC104', 4), true);
  assert.equal(isSuppressed(s, 'JC104', 5), true);
  assert.equal(isSuppressed(s, 'JC101', 6), false, '# noqa is not a jobctl suppression');
  assert.equal(isSuppressed(s, 'JC305', 42), true);
});

test('audit honours inline suppressions and config ignores, and counts them', async () => {
  const dir = project({
    'proj.py': OLD_STYLE,
    'celeryconfig.py': "BROKER_URL = 'redis://localhost:6379/0'  # jobctl: ignore[JC101]\nCELERYD_CONCURRENCY = 2\nCELERY_TASK_SERIALIZER = 'json'\n",
  });
  try {
    const r1 = await runAudit(dir, { select: ['JC101'] });
    assert.deepEqual(r1.findings.map((f) => `${f.location.file}:${f.location.line}`), ['celeryconfig.py:2', 'celeryconfig.py:3']);
    assert.equal(r1.suppressed.count, 1);
    writeFileSync(path.join(dir, 'jobctl.yaml'), 'ignore: [JC101]\n');
    const r2 = await runAudit(dir);
    assert.equal(r2.findings.filter((f) => f.ruleId === 'JC101').length, 0);
  } finally {
    removeDir(dir);
  }
});

test('unknown rule in --select is a usage error naming the fix', async () => {
  const dir = project({ 'proj.py': OLD_STYLE });
  try {
    await assert.rejects(runAudit(dir, { select: ['JC999'] }), /unknown rule `JC999`.*jobctl rules/);
  } finally {
    removeDir(dir);
  }
});

test('reporters render one result; SARIF is 2.1.0 with rules, regions and fingerprints', async () => {
  const dir = project({ 'proj.py': OLD_STYLE, 'celeryconfig.py': "BROKER_URL = 'redis://:Hunter2Secret@redis:6379/0'\n" });
  try {
    const result = await runAudit(dir);
    assert.ok(result.findings.length >= 2);
    const sarif = buildAuditSarif(result);
    assert.equal(sarif.version, '2.1.0');
    const run = sarif.runs[0]!;
    assert.equal(run.tool.driver.name, 'jobctl');
    for (const res of run.results ?? []) {
      assert.ok(run.tool.driver.rules!.some((r) => r.id === res.ruleId), `rule ${res.ruleId} described`);
      assert.equal(run.tool.driver.rules![res.ruleIndex!]!.id, res.ruleId);
      const region = res.locations![0]!.physicalLocation!.region!;
      assert.ok(region.startLine! >= 1 && region.startColumn! >= 1);
      assert.match(res.partialFingerprints!['jobctlFingerprint/v2']!, /^[0-9a-f]{32}$/);
    }
    for (const format of ['text', 'json', 'sarif', 'github', 'markdown'] as const) {
      const out = renderAudit(result, format, { color: false });
      assert.ok(!out.includes('Hunter2Secret'), `${format} output must not contain the secret`);
    }
    assert.match(renderAudit(result, 'text', { color: false }), /celeryconfig\.py/);
  } finally {
    removeDir(dir);
  }
});

test('github annotations escape data and properties like actions/toolkit', () => {
  assert.equal(escapeData('50%\nnext\r'), '50%25%0Anext%0D');
  assert.equal(escapeProperty('a:b,c'), 'a%3Ab%2Cc');
  const lines = renderAuditGithub({
    schemaVersion: 1, tool: { name: 'jobctl', version: '0' }, root: '/x', target: null, current: null,
    findings: Array.from({ length: 12 }, (_, i) => ({ ruleId: 'JC101', ruleName: 'old-setting-name', band: 'settings' as const, severity: 'error' as const, confidence: 'high' as const, message: `m${i}`, hint: 'h', location: { file: 'a,b.py', line: i + 1, column: 1 }, fingerprint: 'f', docs: 'docs/rules/JC101.md' })),
    suppressed: { count: 0, byRule: {} }, notes: [], summary: { errors: 12, warnings: 0, infos: 0, filesScanned: 1, durationMs: 1 }, rules: [],
  }).trim().split('\n');
  assert.equal(lines.filter((l) => l.startsWith('::error')).length, 10, 'GitHub shows 10 per kind: the rest are summarised');
  assert.match(lines[0]!, /^::error file=a%2Cb\.py,line=1,col=1,title=JC101 old-setting-name::m0%0AFix: h$/);
  assert.match(lines.at(-1)!, /^::notice title=jobctl::2 more findings/);
});

test('suppression: `//` comments work in TypeScript/JavaScript files', () => {
  const s = parseSuppressions(["// jobctl: file-ignore[JC612]", "const w = new Worker('q', fn)  // jobctl: ignore[JC611]", '// jobctl: ignore[JC210]', 'readFileSync(', "  'x')", 'other()'].join('\n'));
  assert.deepEqual([...s.file], ['JC612']);
  assert.deepEqual([...s.lines.entries()].map(([l, ids]) => [l, [...ids]]), [[2, ['JC611']], [4, ['JC210']], [5, ['JC210']]]);
});

test('literal credentials in development-only files: silent (throw-away local defaults) unless a real key format (JC502)', async () => {
  const dir = project({
    'proj/celery.py': "from celery import Celery\napp = Celery('proj', broker='redis://:S3cr3tP4ss@redis:6379/0')\n",
    '.devcontainer/docker-compose.yml': 'services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: devpass123\n      AWS_ACCESS_KEY_ID: AKIAZ7Q2XKLM4PNR8TVW\n',
    'proj/settings/local_dev.py': "SECRET_KEY = 'k3J9xQ2mVb7LpZ8wR4tN6yH1'\n",
    'devproject/settings.py': "SECRET_KEY = '1znyfpwp*_#!r0#l248lht*6)_0b+504n*2-8cxf'\n",
  });
  try {
    const r = await runAudit(dir, { select: ['JC502'] });
    assert.deepEqual(r.findings.map((f) => `${f.location.file}:${f.location.line} ${f.severity}`).sort(), ['.devcontainer/docker-compose.yml:6 error', 'proj/celery.py:2 error']);
    assert.match(r.findings.find((f) => f.location.file.startsWith('.devcontainer'))!.message, /literal AWS access key id.*development-only or example file, but a real key format leaks/);
    assert.ok(!JSON.stringify(r).includes('S3cr3tP4ss') && !JSON.stringify(r).includes('devpass123') && !JSON.stringify(r).includes('AKIAZ7Q2XKLM4PNR8TVW'));
  } finally {
    removeDir(dir);
  }
});
