// The CI-tab reports: GitLab Code Quality JSON (the keys GitLab's code-quality widget reads) and
// JUnit XML parsed by a real XML parser (Python's xml.etree) and checked for the structure GitLab's
// and Jenkins' JUnit importers read: testsuites/testsuite/testcase/failure/skipped, counts, times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { jobctl, show } from '../support/cli.js';
import { checkoutFixture, removeDir } from '../support/fixtures.js';
import { loadToJUnit, renderJUnit, smokeToJUnit, verifyToJUnit } from '../../src/report/junit.js';
import type { SmokeResult } from '../../src/runtime/smoke.js';
import type { VerifyResult } from '../../src/verify/types.js';
import { sampleResult } from '../loadtest/sample-result.js';

test('--format gitlab: a JSON array of Code Quality issues GitLab reads', async () => {
  const dir = checkoutFixture('legacy-adoption');
  try {
    const r = await jobctl(['audit', dir, '--format', 'gitlab']);
    assert.equal(r.code, 1, show(r));
    const issues = JSON.parse(r.stdout) as Record<string, unknown>[];
    assert.ok(Array.isArray(issues) && issues.length >= 18);
    const fingerprints = new Set<string>();
    for (const i of issues) {
      assert.equal(typeof i.description, 'string');
      assert.match(i.check_name as string, /^JC\d{3} [a-z-]+$/);
      assert.match(i.fingerprint as string, /^[0-9a-f]{32}$/);
      fingerprints.add(i.fingerprint as string);
      assert.ok(['info', 'minor', 'major', 'critical', 'blocker'].includes(i.severity as string));
      const loc = i.location as { path: string; lines: { begin: number } };
      assert.ok(!path.isAbsolute(loc.path) && !loc.path.startsWith('./'), 'paths are relative to the repository root');
      assert.ok(Number.isInteger(loc.lines.begin) && loc.lines.begin >= 1);
    }
    assert.equal(fingerprints.size, issues.length, 'GitLab needs a unique fingerprint per issue');
    assert.ok(!r.stdout.includes('Legacy0Password1'), 'secrets are masked');
    const pickle = issues.find((i) => (i.check_name as string).startsWith('JC501'))!;
    assert.equal(pickle.severity, 'major', 'error → major');
    // with a baseline, only new findings reach the report
    assert.equal((await jobctl(['audit', dir, '--write-baseline', path.join(dir, 'jobctl-baseline.json')])).code, 0);
    const after = await jobctl(['audit', dir, '--format', 'gitlab']);
    assert.equal(after.code, 0);
    assert.deepEqual(JSON.parse(after.stdout), []);
  } finally {
    removeDir(dir);
  }
});

interface XmlNode { tag: string; attrib: Record<string, string>; text: string | null; children: XmlNode[] }
/** Parsed by Python's ElementTree: a real XML parser rejects what ours might get wrong. */
function parseXml(xml: string): XmlNode {
  const script = [
    'import sys, json, xml.etree.ElementTree as ET',
    'def conv(e): return {"tag": e.tag, "attrib": dict(e.attrib), "text": e.text, "children": [conv(c) for c in e]}',
    'print(json.dumps(conv(ET.fromstring(sys.stdin.buffer.read()))))',
  ].join('\n');
  return JSON.parse(execFileSync('python3', ['-c', script], { input: xml, encoding: 'utf8' })) as XmlNode;
}

/** What GitLab (junit report parser) and Jenkins (JUnit plugin) read. */
function assertJUnitStructure(root: XmlNode): { cases: XmlNode[] } {
  assert.equal(root.tag, 'testsuites');
  const suites = root.children.filter((c) => c.tag === 'testsuite');
  assert.ok(suites.length >= 1);
  const all: XmlNode[] = [];
  let tests = 0; let failures = 0; let skipped = 0;
  for (const s of suites) {
    assert.ok(s.attrib.name);
    const cases = s.children.filter((c) => c.tag === 'testcase');
    const f = cases.filter((c) => c.children.some((x) => x.tag === 'failure')).length;
    const sk = cases.filter((c) => c.children.some((x) => x.tag === 'skipped')).length;
    assert.deepEqual([Number(s.attrib.tests), Number(s.attrib.failures), Number(s.attrib.skipped), Number(s.attrib.errors)], [cases.length, f, sk, 0], `counts of ${s.attrib.name}`);
    assert.match(s.attrib.time!, /^\d+\.\d{3}$/);
    for (const c of cases) {
      assert.ok(c.attrib.name && c.attrib.classname, 'testcase needs name and classname');
      assert.match(c.attrib.time!, /^\d+\.\d{3}$/);
      for (const x of c.children.filter((y) => y.tag === 'failure')) assert.ok(x.attrib.message, 'failure carries a message');
    }
    tests += cases.length; failures += f; skipped += sk;
    all.push(...cases);
  }
  assert.deepEqual([Number(root.attrib.tests), Number(root.attrib.failures), Number(root.attrib.skipped)], [tests, failures, skipped]);
  return { cases: all };
}

test('JUnit for smoke-test: one testcase per check, failure message = evidence, optional failures skipped, secrets masked, odd characters survive', () => {
  const smoke = {
    ok: false, exitCode: 1, interrupted: false, root: '/p', app: 'proj.celery', python: { path: '/v/bin/python', source: '.venv', version: '3.12.1' },
    celeryVersion: '5.6.3', kombuVersion: '5.6.1', pool: 'prefork', concurrency: 2, broker: { url: 'redis://:****@127.0.0.1:1/0', owned: true, kind: 'redis' },
    queue: 'jobctl.q', nodename: 'n', serializer: { task: 'json', result: 'json', accept: ['json'] }, warnings: [], workerLogExcerpt: '', durationMs: 4321,
    checks: [
      { id: 'ping', title: 'worker answers ping', status: 'pass', required: true, durationMs: 12, evidence: 'pong from celery@host' },
      { id: 'echo', title: 'round trip <echo> & "quotes"', status: 'fail', required: true, durationMs: 15000, evidence: 'no result within 15 s\nbroker redis://:hunter2secret@10.0.0.1:6379/0 \u0007 said nothing' },
      { id: 'deprecations', title: 'no deprecation warnings', status: 'fail', required: false, durationMs: 1, evidence: '2 CPendingDeprecationWarning lines' },
      { id: 'asyncio', title: 'asyncio under the pool', status: 'skip', required: true, durationMs: 0, evidence: 'the app has no async tasks' },
    ],
  } satisfies SmokeResult;
  const xml = renderJUnit('jobctl smoke-test', smokeToJUnit(smoke));
  assert.ok(!xml.includes('hunter2secret'), 'URL passwords are masked');
  const { cases } = assertJUnitStructure(parseXml(xml));
  assert.equal(cases.length, 4);
  const echo = cases.find((c) => c.attrib.name!.startsWith('echo'))!;
  const failure = echo.children.find((c) => c.tag === 'failure')!;
  assert.equal(failure.attrib.message, 'no result within 15 s');
  assert.match(failure.text!, /redis:\/\/:\*\*\*\*@10\.0\.0\.1/);
  assert.equal(echo.attrib.name, 'echo: round trip <echo> & "quotes"');
  assert.equal(echo.attrib.time, '15.000');
  const dep = cases.find((c) => c.attrib.name!.startsWith('deprecations'))!;
  assert.match(dep.children.find((c) => c.tag === 'skipped')!.attrib.message!, /^optional check failed: 2 CPendingDeprecationWarning/);
});

test('JUnit for load-test (one testcase per threshold) and verify (per stage, per side when rehearsing)', () => {
  const load = sampleResult();
  load.thresholds = [
    { expression: 'p95<3s', metric: 'e2e.p95', op: '<', limit: 3000, actual: 81, unit: 'ms', pass: true },
    { expression: 'errors<1%', metric: 'errors', op: '<', limit: 1, actual: 2, unit: '%', pass: false },
    { expression: 'rss_growth<10%', metric: 'rss_growth', op: '<', limit: 10, actual: null, unit: '%', pass: false, note: 'no RSS samples' },
  ];
  const loadCases = assertJUnitStructure(parseXml(renderJUnit('jobctl load-test', loadToJUnit(load)))).cases;
  assert.deepEqual(loadCases.map((c) => c.attrib.name), ['p95<3s', 'errors<1%', 'rss_growth<10%']);
  assert.equal(loadCases[1]!.children[0]!.attrib.message, 'errors = 2 %, limit < 1 %');
  assert.equal(loadCases[2]!.children[0]!.attrib.message, 'rss_growth = not measured, limit < 10 % (no RSS samples)');

  const verify: VerifyResult = {
    root: '/p', app: 'proj', current: { version: '5.3.6', source: 'requirements.txt' }, target: '5.6.3', rehearsal: true, python: '3.12',
    comparison: [], ok: false, exitCode: 1, interrupted: false, durationMs: 60_000,
    stages: [
      { id: 'static', title: 'static audit', status: 'pass', durationMs: 800, evidence: ['0 errors'] },
      { id: 'import', title: 'import — the app loads', status: 'fail', durationMs: 3000, reason: 'ImportError on the target', evidence: [],
        current: { celery: '5.3.6', status: 'pass', durationMs: 1000, evidence: ['imported proj'], figures: {} },
        target: { celery: '5.6.3', status: 'fail', durationMs: 2000, evidence: ['ImportError: cannot import name X'], figures: {} } },
      { id: 'load', title: 'load', status: 'skip', durationMs: 0, reason: 'not requested', evidence: [] },
    ],
  };
  const vCases = assertJUnitStructure(parseXml(renderJUnit('jobctl verify', verifyToJUnit(verify)))).cases;
  assert.deepEqual(vCases.map((c) => `${c.attrib.classname} ${c.attrib.name} ${c.children.map((x) => x.tag).join(',')}`), [
    'jobctl.verify static audit ',
    'jobctl.verify.current import — the app loads (celery 5.3.6) ',
    'jobctl.verify.target import — the app loads (celery 5.6.3) failure',
    'jobctl.verify load skipped',
  ]);
  assert.equal(vCases[2]!.children[0]!.attrib.message, 'ImportError on the target');
});
