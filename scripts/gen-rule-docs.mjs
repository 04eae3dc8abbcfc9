#!/usr/bin/env node
// Writes docs/rules/<ID>.md for every rule, from the rule modules (run after `npm run build`).
import { mkdirSync, writeFileSync } from 'node:fs';
const { allRules } = await import('../dist/src/rules/index.js');
const { renderRuleDoc } = await import('../dist/src/rules/docs.js');
const out = new URL('../docs/rules/', import.meta.url);
mkdirSync(out, { recursive: true });
const index = ['# jobctl rules', '', '| id | name | severity | title |', '|---|---|---|---|'];
for (const r of allRules) {
  writeFileSync(new URL(`${r.meta.id}.md`, out), renderRuleDoc(r.meta));
  index.push(`| [${r.meta.id}](${r.meta.id}.md) | ${r.meta.name} | ${r.meta.severity} | ${r.meta.title.replace(/\|/g, '\\|')} |`);
}
writeFileSync(new URL('README.md', out), `${index.join('\n')}\n`);
console.log(`docs/rules: ${allRules.length} pages`);
