#!/usr/bin/env node
// Desk bench: `jobctl audit` over public Celery projects at pinned commits, scored against labels written
// from reading each project (bench/corpus/labels/*.labels; format in test/corpus/labels.ts).
//
//   node bench/corpus.mjs [--root /work/real] [--manifest bench/corpus/manifest.json] [--only owner/name,...]
//                         [--jobctl DIR] [--verbose]
//
// --jobctl: audit with the built jobctl of another checkout (its dist/), e.g. a merged main, keeping these labels.
//
// Each project is expected, extracted, at <root>/<owner>+<name>@<sha[:10]>/ (`git archive <sha>`; the code never
// enters this repo). Prints a per-repo table, precision and recall per rule band (JC0xx…JC6xx) and overall, then
// every missed label, every must-stay-silent label jobctl reported and every finding no label speaks about.
//
// Precision = findings matched by an expect/found label ÷ all findings (a finding on a silent label, or on no label
// at all, counts against it: an unjudged finding is wrong until a reading labels it). Recall = expect labels
// reported ÷ expect labels (`found` labels, added after jobctl reported them, never count for recall).
// Exit 1 below precision 95 % or recall 90 %, exit 2 when a project is missing or the audit crashes.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { values: opts } = parseArgs({
  options: {
    root: { type: 'string', default: '/work/real' },
    manifest: { type: 'string', default: path.join(root, 'bench', 'corpus', 'manifest.json') },
    only: { type: 'string' },
    jobctl: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});
const PRECISION_MIN = 95;
const RECALL_MIN = 90;

const dist = path.join(root, 'dist');
const auditDist = path.join(path.resolve(opts.jobctl ?? root), 'dist');
if (!existsSync(path.join(auditDist, 'src', 'engine', 'audit.js')) || !existsSync(path.join(dist, 'test', 'corpus', 'labels.js'))) {
  console.error(`bench/corpus: ${existsSync(auditDist) ? auditDist : dist} is missing or not built; run \`npx tsc -p tsconfig.json\` first`);
  process.exit(2);
}
const { runAudit } = await import(path.join(auditDist, 'src', 'engine', 'audit.js'));
const { readLabels, score, bandOf } = await import(path.join(dist, 'test', 'corpus', 'labels.js'));

const manifestPath = path.resolve(opts.manifest);
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
const only = opts.only ? opts.only.split(',').map((s) => s.trim()) : null;
const projects = manifest.projects.filter((p) => !only || only.includes(p.repo));

const bands = new Map(); // band -> { tp, fp, unjudged, hit, expect }
const band = (b) => bands.get(b) ?? bands.set(b, { tp: 0, fp: 0, unjudged: 0, hit: 0, expect: 0 }).get(b);
const rows = [];
const problems = { missed: [], silentHit: [], unjudged: [] };
let crashes = 0;
let foundLabels = 0;

for (const p of projects) {
  const dir = path.join(opts.root, `${p.repo.replace('/', '+')}@${p.sha.slice(0, 10)}`);
  const labels = readLabels(path.resolve(path.dirname(manifestPath), p.labels));
  foundLabels += labels.filter((l) => l.kind === 'found').length;
  if (!existsSync(dir)) {
    rows.push({ repo: p.repo, sha: p.sha.slice(0, 10), error: `not extracted at ${dir}` });
    crashes++;
    continue;
  }
  const t0 = performance.now();
  let result;
  try {
    result = await runAudit(dir);
  } catch (err) {
    rows.push({ repo: p.repo, sha: p.sha.slice(0, 10), error: `audit crashed: ${err?.message ?? err}` });
    crashes++;
    continue;
  }
  const ms = Math.round(performance.now() - t0);
  const s = score(labels, result.findings);
  for (const f of s.truePositives) band(bandOf(f.ruleId)).tp++;
  for (const { finding } of s.silentHit) band(bandOf(finding.ruleId)).fp++;
  for (const f of s.unjudged) band(bandOf(f.ruleId)).unjudged++;
  for (const l of labels.filter((x) => x.kind === 'expect')) band(bandOf(l.rule)).expect++;
  for (const l of s.hit) band(bandOf(l.rule)).hit++;
  for (const l of s.missed) problems.missed.push(`${p.repo}  ${l.spec}  [${l.provenance}]`);
  for (const { label, finding } of s.silentHit) problems.silentHit.push(`${p.repo}  ${finding.location.file}:${finding.location.line} ${finding.ruleId} on silent ${label.spec}: ${finding.message}`);
  for (const f of s.unjudged) problems.unjudged.push(`${p.repo}  ${f.location.file}:${f.location.line} ${f.ruleId}: ${f.message}`);
  const expectN = labels.filter((x) => x.kind === 'expect').length;
  rows.push({
    repo: p.repo, sha: p.sha.slice(0, 10), findings: result.findings.length, tp: s.truePositives.length, fp: s.silentHit.length,
    unjudged: s.unjudged.length, recall: `${s.hit.length}/${expectN}`, silent: labels.filter((x) => x.kind === 'silent').length, ms,
  });
}

const pct = (a, b) => (b === 0 ? '  n/a' : `${((100 * a) / b).toFixed(1).padStart(5)}%`);
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);

console.log(`jobctl desk corpus: ${projects.length} projects from ${path.relative(process.cwd(), manifestPath) || manifestPath}, root ${opts.root}, jobctl ${path.dirname(auditDist)}\n`);
console.log(`${pad('repo', 58)} ${pad('sha', 10)} ${lpad('find', 5)} ${lpad('TP', 4)} ${lpad('FP', 4)} ${lpad('unj', 4)} ${lpad('recall', 7)} ${lpad('silent', 6)} ${lpad('ms', 6)}`);
for (const r of rows) {
  if (r.error) { console.log(`${pad(r.repo, 58)} ${pad(r.sha, 10)} ERROR ${r.error}`); continue; }
  console.log(`${pad(r.repo, 58)} ${pad(r.sha, 10)} ${lpad(r.findings, 5)} ${lpad(r.tp, 4)} ${lpad(r.fp, 4)} ${lpad(r.unjudged, 4)} ${lpad(r.recall, 7)} ${lpad(r.silent, 6)} ${lpad(r.ms, 6)}`);
}

console.log(`\n${pad('band', 6)} ${lpad('findings', 8)} ${lpad('TP', 4)} ${lpad('FP', 4)} ${lpad('unj', 4)} ${lpad('precision', 9)} ${lpad('expect', 6)} ${lpad('hit', 4)} ${lpad('recall', 7)}`);
const tot = { tp: 0, fp: 0, unjudged: 0, hit: 0, expect: 0 };
for (const [b, v] of [...bands.entries()].sort()) {
  for (const k of Object.keys(tot)) tot[k] += v[k];
  const n = v.tp + v.fp + v.unjudged;
  console.log(`${pad(b, 6)} ${lpad(n, 8)} ${lpad(v.tp, 4)} ${lpad(v.fp, 4)} ${lpad(v.unjudged, 4)} ${lpad(pct(v.tp, n), 9)} ${lpad(v.expect, 6)} ${lpad(v.hit, 4)} ${lpad(pct(v.hit, v.expect), 7)}`);
}
const nAll = tot.tp + tot.fp + tot.unjudged;
const precision = nAll === 0 ? 100 : (100 * tot.tp) / nAll;
const recall = tot.expect === 0 ? 100 : (100 * tot.hit) / tot.expect;
console.log(`${pad('all', 6)} ${lpad(nAll, 8)} ${lpad(tot.tp, 4)} ${lpad(tot.fp, 4)} ${lpad(tot.unjudged, 4)} ${lpad(pct(tot.tp, nAll), 9)} ${lpad(tot.expect, 6)} ${lpad(tot.hit, 4)} ${lpad(pct(tot.hit, tot.expect), 7)}`);
console.log(`(precision counts unjudged findings as wrong; over judged findings only it is ${pct(tot.tp, tot.tp + tot.fp).trim()}. ${foundLabels} label(s) were added after jobctl found them and count for precision only.)`);

const list = (title, xs) => { if (xs.length) console.log(`\n${title} (${xs.length}):\n  ${xs.join('\n  ')}`); };
list('missed expect labels', problems.missed);
list('reported on must-stay-silent labels', problems.silentHit);
if (opts.verbose || problems.unjudged.length <= 60) list('unjudged findings (label them after reading the code)', problems.unjudged);
else console.log(`\n${problems.unjudged.length} unjudged findings (--verbose lists them)`);

const failures = [];
if (crashes) failures.push(`${crashes} project(s) missing or crashed`);
if (precision < PRECISION_MIN) failures.push(`precision ${precision.toFixed(1)}% < ${PRECISION_MIN}%`);
if (recall < RECALL_MIN) failures.push(`recall ${recall.toFixed(1)}% < ${RECALL_MIN}%`);
console.log(`\n${failures.length ? `FAIL: ${failures.join('; ')}` : `OK: precision ${precision.toFixed(1)}%, recall ${recall.toFixed(1)}%`}`);
process.exit(crashes ? 2 : failures.length ? 1 : 0);
