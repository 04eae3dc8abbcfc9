// The label format and scorer shared by the PyPI corpus test and bench/corpus.mjs, and the desk manifest's consistency.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { bandOf, parseKnownGaps, parseLabels, readLabels, score } from './labels.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..');

test('labels: kinds, `*` lines and provenance are parsed; a label without provenance is an error', () => {
  const labels = parseLabels([
    '# comment',
    'expect a/celery.py:12:JC605 | no time limit in settings.py',
    'found  a/settings.py:3:JC502 | found by jobctl, verified by reading settings.py:3',
    'silent a/settings.py:*:JC104 | every key is valid',
    '',
  ].join('\n'));
  assert.deepEqual(labels.map((l) => [l.kind, l.file, l.line, l.rule]), [
    ['expect', 'a/celery.py', 12, 'JC605'], ['found', 'a/settings.py', 3, 'JC502'], ['silent', 'a/settings.py', null, 'JC104'],
  ]);
  assert.throws(() => parseLabels('expect a.py:1:JC101'), /not a label/);
  assert.throws(() => parseLabels('maybe a.py:1:JC101 | x'), /not a label/);
  assert.throws(() => parseKnownGaps('pretix a.py:1:JC101'), /not a known gap/);
});

test('score: hits, misses, silent hits and unjudged findings; found labels never count for recall', () => {
  const labels = parseLabels([
    'expect a.py:1:JC101 | r', 'expect a.py:*:JC605 | r', 'expect b.py:9:JC101 | r',
    'found c.py:2:JC502 | r', 'silent d.py:*:JC104 | r',
  ].join('\n'));
  const f = (file: string, line: number, ruleId: string) => ({ ruleId, location: { file, line } });
  const s = score(labels, [f('a.py', 1, 'JC101'), f('a.py', 40, 'JC605'), f('c.py', 2, 'JC502'), f('d.py', 7, 'JC104'), f('e.py', 1, 'JC501'), f('a.py', 2, 'JC101')]);
  assert.deepEqual(s.hit.map((l) => l.spec), ['a.py:1:JC101', 'a.py:*:JC605']);
  assert.deepEqual(s.missed.map((l) => l.spec), ['b.py:9:JC101']);
  assert.deepEqual(s.silentHit.map((h) => h.label.spec), ['d.py:*:JC104']);
  assert.equal(s.truePositives.length, 3);
  assert.deepEqual(s.unjudged.map((u) => `${u.location.file}:${u.location.line}`), ['e.py:1', 'a.py:2']);
  assert.equal(bandOf('JC001'), 'JC0xx');
});

test('score: a place listed by a grouped finding ("the same value is also in …") counts as reported, for expect labels only', () => {
  const labels = parseLabels(['expect a.py:1:JC502 | r', 'expect b.yml:17:JC502 | r', 'expect c.yml:3:JC502 | r', 'expect d.yml:4:JC502 | r', 'silent e.yml:5:JC502 | r'].join('\n'));
  const s = score(labels, [{ ruleId: 'JC502', message: '`broker_url` holds a URL with a literal password (amqp://u:****@h//); the same value is also in b.yml:17, e.yml:5, d.yml:40', location: { file: 'a.py', line: 1 } }]);
  assert.deepEqual(s.hit.map((l) => l.spec), ['a.py:1:JC502', 'b.yml:17:JC502']);
  assert.deepEqual(s.missed.map((l) => l.spec), ['c.yml:3:JC502', 'd.yml:4:JC502']);
  assert.deepEqual(s.silentHit, []);
});

test('score: a whole-file silent label yields to an expect label on that exact line; an exact-line silent label does not', () => {
  const labels = parseLabels(['expect a.py:152:JC104 | r', 'silent a.py:*:JC104 | r', 'expect b.py:3:JC104 | r', 'silent b.py:3:JC104 | r'].join('\n'));
  const f = (file: string, line: number) => ({ ruleId: 'JC104', location: { file, line } });
  const s = score(labels, [f('a.py', 152), f('a.py', 7), f('b.py', 3)]);
  assert.deepEqual(s.hit.map((l) => l.spec), ['a.py:152:JC104', 'b.py:3:JC104']);
  assert.deepEqual(s.silentHit.map((h) => `${h.label.spec}@${h.finding.location.line}`), ['a.py:*:JC104@7', 'b.py:3:JC104@3']);
  assert.equal(s.truePositives.length, 1);
});

test('desk manifest: every project has a 40-hex sha and a labels file that parses', () => {
  const dir = path.join(root, 'bench', 'corpus');
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { projects: { repo: string; sha: string; labels: string }[] };
  assert.ok(manifest.projects.length >= 25, `the desk corpus has ${manifest.projects.length} projects (want >= 25)`);
  for (const p of manifest.projects) {
    assert.match(p.sha, /^[0-9a-f]{40}$/, p.repo);
    assert.ok(existsSync(path.join(dir, p.labels)), `${p.repo}: ${p.labels} is missing`);
    assert.ok(readLabels(path.join(dir, p.labels)).length > 0, `${p.repo}: no labels`);
  }
  const listed = new Set(manifest.projects.map((p) => path.basename(p.labels)));
  assert.deepEqual(readdirSync(path.join(dir, 'labels')).filter((f) => !listed.has(f)), [], 'labels files not in the manifest');
});
