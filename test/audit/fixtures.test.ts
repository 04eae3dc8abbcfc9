// Every fixture produces exactly the findings it is annotated with: nothing missing, nothing extra.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runAudit } from '../../src/engine/audit.js';
import { checkoutFixture, expectedFindings, listAuditFixtures, removeDir } from '../support/fixtures.js';

for (const name of listAuditFixtures()) {
  test(`fixture ${name}: findings are exactly the annotated ones`, async () => {
    const dir = checkoutFixture(name);
    try {
      const result = await runAudit(dir);
      const actual = result.findings.map((f) => `${f.location.file}:${f.location.line} ${f.ruleId}`).sort();
      const expected = expectedFindings(name);
      const missing = expected.filter((e) => !actual.includes(e));
      const extra = actual.filter((a) => !expected.includes(a));
      const explain = (list: string[]): string => list.map((l) => {
        const f = result.findings.find((x) => `${x.location.file}:${x.location.line} ${x.ruleId}` === l);
        return f ? `${l}  (${f.message})` : l;
      }).join('\n    ');
      assert.deepEqual({ missing, extra }, { missing: [], extra: [] }, `fixture ${name}\n  missing:\n    ${missing.join('\n    ')}\n  extra:\n    ${explain(extra)}`);
    } finally {
      removeDir(dir);
    }
  });
}
