// runAudit: model -> rules -> suppressions -> one AuditResult. Usable without the CLI.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { isTestFile } from '../rules/lib/settings.js';
import { buildProjectModel, modelTimings } from '../model/index.js';
import type { ProjectModel } from '../model/types.js';
import { loadKnowledge } from '../knowledge/index.js';
import type { Knowledge, ReleaseFacts } from '../knowledge/types.js';
import { allRules } from '../rules/index.js';
import type { ReportInput, Rule, RuleContext } from '../rules/types.js';
import { JobctlError } from '../util/errors.js';
import { maskUrlCredentials } from '../util/mask.js';
import { loadConfig, type JobctlConfig } from './config.js';
import { detectPackageVersion } from './versions.js';
import { isSuppressed, parseSuppressions, type FileSuppressions } from './suppressions.js';
import type { AuditResult, Finding, RuleSummary } from './types.js';
import { SEVERITY_ORDER } from './types.js';
import { TOOL_VERSION } from '../util/version.js';
import { fingerprintAll } from './fingerprint.js';
import { ruleDocsPath, summarizeRule } from './rule-summary.js';

export { summarizeRule, ruleDocsPath } from './rule-summary.js';

export interface AuditOptions {
  /** --target: a version ('5.6.2') or a line ('5.6'); overrides the config's target */
  target?: string;
  select?: string[];
  ignore?: string[];
  /** an already-built model (upgrade-plan and checklist reuse one) */
  model?: ProjectModel;
  config?: JobctlConfig;
  /** read the project through the per-file fact cache (the CLI does unless --no-cache) */
  cache?: boolean;
}

export async function runAudit(root: string, opts: AuditOptions = {}): Promise<AuditResult> {
  const started = performance.now();
  const config = opts.config ?? (await loadConfig(root));
  const model = opts.model ?? (await buildProjectModel(root, { exclude: config.exclude ?? [], ...(opts.cache ? { cache: true } : {}) }));
  const knowledge = loadKnowledge();
  const { target, requested } = resolveTarget(knowledge, opts.target ?? config.target);
  // only an exact pin or a lock says what runs today; a range is a guess (fixtures/DECISIONS.md)
  const currentDetected = detectPackageVersion(model, 'celery');
  const current = currentDetected ? knowledge.releaseFor(currentDetected.version) : null;

  const tRules = performance.now();
  const rules = selectRules(allRules, opts.select ?? config.select, opts.ignore ?? config.ignore);
  const raw: { rule: Rule; input: ReportInput }[] = [];
  for (const rule of rules) {
    if (rule.meta.needsTarget && !target) continue;
    const ctx: RuleContext = {
      model, knowledge, target, current,
      // test code is not production: readiness findings in tests, conftest, test settings and test doubles are noise
      report: (input) => { if (!(rule.meta.band === 'readiness' && isTestFile(input.loc.file))) raw.push({ rule, input }); },
    };
    try {
      rule.check(ctx);
    } catch (err) {
      // one broken rule must not hide every other finding
      model.notes.push({ level: 'warning', message: `${rule.meta.id} failed: ${(err as Error).message}` });
    }
  }

  const rulesMs = Math.round(performance.now() - tRules);
  const suppressionsByFile = new Map<string, FileSuppressions>();
  const textOf = new Map(model.files.map((f) => [f.file, f.text]));
  const suppressed: Record<string, number> = {};
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const { rule, input } of raw) {
    const file = input.loc.file;
    let sup = suppressionsByFile.get(file);
    if (!sup && textOf.has(file)) suppressionsByFile.set(file, (sup = parseSuppressions(textOf.get(file)!)));
    const perFile = Object.entries(config.perFileIgnores ?? {}).some(([prefix, ids]) => (file === prefix || file.startsWith(prefix.replace(/\/?$/, '/')) || matchesGlob(file, prefix)) && ids.some((id) => ruleMatches(rule, id)));
    if (perFile || isSuppressed(sup, rule.meta.id, input.loc.line)) {
      suppressed[rule.meta.id] = (suppressed[rule.meta.id] ?? 0) + 1;
      continue;
    }
    const dedupe = `${rule.meta.id}:${file}:${input.loc.line}:${input.loc.column}:${input.key ?? input.message}`;
    if (seen.has(dedupe)) continue;
    seen.add(dedupe);
    findings.push({
      ruleId: rule.meta.id,
      ruleName: rule.meta.name,
      band: rule.meta.band,
      severity: input.severity ?? rule.meta.severity,
      confidence: input.confidence ?? rule.meta.confidence,
      // rules mask values themselves; this is a second net for URL credentials
      message: maskUrlCredentials(input.message),
      hint: maskUrlCredentials(input.hint ?? firstLine(rule.meta.fix)),
      location: input.loc,
      fingerprint: '',
      docs: ruleDocsPath(rule.meta.id),
    });
  }
  const prints = fingerprintAll(findings.map((f) => ({ ruleId: f.ruleId, file: f.location.file, line: f.location.line, column: f.location.column })), (file) => textOf.get(file) ?? readText(model.root, file));
  findings.forEach((f, i) => { f.fingerprint = prints[i]!; });
  findings.sort((a, b) => a.location.file.localeCompare(b.location.file) || a.location.line - b.location.line || a.location.column - b.location.column || a.ruleId.localeCompare(b.ruleId));

  const usedRules = new Map<string, RuleSummary>();
  for (const f of findings) {
    const r = rules.find((x) => x.meta.id === f.ruleId)!;
    usedRules.set(r.meta.id, summarizeRule(r));
  }
  return {
    schemaVersion: 1,
    tool: { name: 'jobctl', version: TOOL_VERSION },
    root: model.root,
    target: target ? { version: target.version, requested: requested! } : null,
    current: current && currentDetected ? { version: current.version, source: currentDetected.source } : null,
    findings,
    suppressed: { count: Object.values(suppressed).reduce((a, b) => a + b, 0), byRule: suppressed },
    notes: model.notes.map((n) => ({ ...n, message: maskUrlCredentials(n.message) })),
    summary: {
      errors: findings.filter((f) => f.severity === 'error').length,
      warnings: findings.filter((f) => f.severity === 'warning').length,
      infos: findings.filter((f) => f.severity === 'info').length,
      filesScanned: model.files.length,
      durationMs: Math.round(performance.now() - started),
      timings: { ...modelTimings(model), rules: rulesMs },
    },
    rules: [...usedRules.values()].sort((a, b) => a.id.localeCompare(b.id)),
  };
}

function resolveTarget(knowledge: Knowledge, spec: string | undefined): { target: ReleaseFacts | null; requested: string | null } {
  if (spec === undefined || spec === '') return { target: null, requested: null };
  const target = knowledge.releaseFor(spec);
  if (!target) {
    const lines = [...new Set(knowledge.releases.map((r) => r.version.split('.').slice(0, 2).join('.')))].join(', ');
    throw new JobctlError(`--target ${spec}: not a Celery release jobctl knows (known lines: ${lines}); pass e.g. --target ${knowledge.newestVersion}`);
  }
  return { target, requested: spec };
}

/** select/ignore accept rule ids ('JC101'), prefixes ('JC1', 'JC') and names ('old-setting-name'). */
export function ruleMatches(rule: Rule, sel: string): boolean {
  const s = sel.trim();
  return rule.meta.id === s.toUpperCase() || rule.meta.name === s || (/^JC\d{0,2}$/i.test(s) && rule.meta.id.startsWith(s.toUpperCase()));
}

function selectRules(rules: Rule[], select: string[] | undefined, ignore: string[] | undefined): Rule[] {
  const unknown = [...(select ?? []), ...(ignore ?? [])].filter((s) => !rules.some((r) => ruleMatches(r, s)));
  if (unknown.length > 0) throw new JobctlError(`unknown rule ${unknown.map((u) => `\`${u}\``).join(', ')}; \`jobctl rules\` lists every rule id`);
  return rules.filter((r) => (!select || select.some((s) => ruleMatches(r, s))) && !(ignore ?? []).some((s) => ruleMatches(r, s)));
}

function matchesGlob(file: string, pattern: string): boolean {
  if (!pattern.includes('*')) return false;
  const re = new RegExp(`^${pattern.split('**').map((p) => p.split('*').map(escapeRe).join('[^/]*')).join('.*')}$`);
  return re.test(file);
}
function escapeRe(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}
/** a finding's file that is not among the model's files (rare): read once for its fingerprint */
function readText(root: string, file: string): string | undefined {
  try {
    return readFileSync(path.resolve(root, file), 'utf8');
  } catch {
    return undefined;
  }
}
function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

export function meetsFailOn(result: AuditResult, failOn: 'error' | 'warning' | 'info'): boolean {
  return result.findings.some((f) => SEVERITY_ORDER[f.severity] >= SEVERITY_ORDER[failOn]);
}

/** where a rule's docs page lives in the jobctl package (scripts/gen-rule-docs.mjs writes it) */
