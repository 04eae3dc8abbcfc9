// The PyPI corpus: real Celery applications published as wheels (test/corpus/pypi.json, pinned versions and
// sha256), downloaded into .cache/corpus/ by scripts/corpus-fetch.mjs (skipped when cached), audited in-process,
// and checked against labels written from reading each project (test/corpus/pypi/<name>.labels).
//
// A missed `expect` label or a hit on a `silent` label fails the test — unless the label is listed in
// test/corpus/known-gaps.txt with the reason jobctl gets it wrong today. A known gap that now passes fails the
// test too ("remove it from known-gaps"), so the list stays exact.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runAudit } from '../../src/engine/audit.js';
import { parseKnownGaps, readLabels, score, type Label } from './labels.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..');
const corpusDir = path.join(root, 'test', 'corpus');
interface Project { name: string; version: string; wheel: string; sha256: string }
const manifest = JSON.parse(readFileSync(path.join(corpusDir, 'pypi.json'), 'utf8')) as { projects: Project[] };
const gaps = parseKnownGaps(readFileSync(path.join(corpusDir, 'known-gaps.txt'), 'utf8'), 'test/corpus/known-gaps.txt');
const srcDir = (p: Project): string => path.join(root, '.cache', 'corpus', 'src', `${p.name}-${p.version}`);

let fetchError = '';
before(() => {
  // one download pass for every project (a no-op on a warm cache); its own time is printed on stderr
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'corpus-fetch.mjs')], { encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] });
  process.stderr.write(r.stderr ?? '');
  if (r.status !== 0) fetchError = (r.stderr ?? '').trim();
});

test('every known gap names a label that exists', () => {
  const ids = new Set<string>();
  for (const p of manifest.projects) for (const l of readLabels(path.join(corpusDir, 'pypi', `${p.name}.labels`))) ids.add(`${p.name} ${l.spec}`);
  const stale = gaps.filter((g) => !ids.has(`${g.project} ${g.spec}`)).map((g) => `${g.project} ${g.spec}`);
  assert.deepEqual(stale, [], 'known-gaps.txt lists labels that no labels file has');
});

for (const p of manifest.projects) {
  test(`PyPI corpus: ${p.name} ${p.version} matches its labels`, async (t) => {
    const dir = srcDir(p);
    assert.ok(existsSync(path.join(dir, '.jobctl-corpus-complete')), `${p.name} ${p.version} is not in .cache/corpus (download failed):\n${fetchError}`);
    const labels = readLabels(path.join(corpusDir, 'pypi', `${p.name}.labels`));
    const result = await runAudit(dir);
    const s = score(labels, result.findings);
    const gapOf = (l: Label): string | undefined => gaps.find((g) => g.project === p.name && g.spec === l.spec)?.why;

    const failures: string[] = [];
    const known: string[] = [];
    for (const l of s.missed) {
      const why = gapOf(l);
      if (why) known.push(`missed ${l.spec} (known gap: ${why})`);
      else failures.push(`missed ${l.spec}  [${l.provenance}]`);
    }
    for (const { label, finding } of s.silentHit) {
      const why = gapOf(label);
      if (why) known.push(`reported silent ${label.spec} (known gap: ${why})`);
      else failures.push(`reported ${finding.location.file}:${finding.location.line} ${finding.ruleId} on a must-stay-silent label ${label.spec}  [${label.provenance}]: ${finding.message ?? ''}`);
    }
    const silentHitSpecs = new Set(s.silentHit.map((h) => h.label.spec));
    for (const l of labels.filter((x) => gapOf(x) !== undefined)) {
      const stillWrong = l.kind === 'silent' ? silentHitSpecs.has(l.spec) : s.missed.includes(l);
      if (!stillWrong) failures.push(`${l.kind} ${l.spec} now passes: remove it from test/corpus/known-gaps.txt`);
    }
    for (const k of known) t.diagnostic(k);
    for (const f of s.unjudged) t.diagnostic(`unlabelled finding ${f.location.file}:${f.location.line} ${f.ruleId}: ${f.message ?? ''}`);
    assert.deepEqual(failures, [], `${p.name} ${p.version}:\n  ${failures.join('\n  ')}`);
  });
}
