// Every rule must be exercised: at least one fixture annotates a finding it must produce, and its
// generated docs page names its upstream sources. A rule nobody tests is a rule nobody trusts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allRules } from '../../src/rules/index.js';
import { renderRuleDoc } from '../../src/rules/docs.js';
import { expectedFindings, listAuditFixtures } from '../support/fixtures.js';

test('every rule has a fixture that expects it', () => {
  const expected = new Set(listAuditFixtures().flatMap((f) => expectedFindings(f).map((e) => e.split(' ')[1])));
  const missing = allRules.map((r) => r.meta.id).filter((id) => !expected.has(id));
  assert.deepEqual(missing, [], `rules without a fixture expectation: ${missing.join(', ')}`);
});

test('every rule has a kebab-case name, unique id in its band, and a docs page citing a source', () => {
  const bands: Record<string, string> = { '0': 'reading', '1': 'settings', '2': 'event-loop', '3': 'versions', '4': 'deploy', '5': 'security', '6': 'readiness' };
  const ids = new Set<string>();
  for (const r of allRules) {
    assert.match(r.meta.id, /^JC[0-6]\d\d$/);
    assert.ok(!ids.has(r.meta.id), `duplicate ${r.meta.id}`);
    ids.add(r.meta.id);
    assert.match(r.meta.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    assert.equal(r.meta.band, bands[r.meta.id[2]!], `${r.meta.id} is in the ${bands[r.meta.id[2]!]} band`);
    assert.ok(r.meta.sources.length > 0, `${r.meta.id} cites no source`);
    const doc = renderRuleDoc(r.meta);
    for (const s of r.meta.sources) assert.ok(doc.includes(s.ref), `${r.meta.id} docs page lacks ${s.ref}`);
  }
});

test('docs/rules pages are up to date with the rule modules (npm run docs)', async () => {
  const { readFileSync, existsSync } = await import('node:fs');
  const path = await import('node:path');
  const { repoRoot } = await import('../support/fixtures.js');
  const stale = allRules.filter((r) => {
    const file = path.join(repoRoot, 'docs', 'rules', `${r.meta.id}.md`);
    return !existsSync(file) || readFileSync(file, 'utf8') !== renderRuleDoc(r.meta);
  }).map((r) => r.meta.id);
  assert.deepEqual(stale, [], 'regenerate with `npm run docs`');
});
