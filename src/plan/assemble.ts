// assembleUpgradePlan: model + audit (for the target) + release knowledge -> one UpgradePlan. Pure: no
// I/O, no clock; the same inputs give the same plan. Every risk rating is derived from audit findings
// (severity x confidence) or from the kind of a catalogued change that matched a project fact; none is
// written by hand per item.
import { compare } from '@renovatebot/pep440';
import type { ProjectModel } from '../model/types.js';
import type { LoadedKnowledge, ReleaseFacts, BehaviourChange } from '../knowledge/index.js';
import { changesBetween } from '../knowledge/index.js';
import type { AuditResult, Finding } from '../engine/types.js';
import { detectPackageVersion } from '../engine/versions.js';
import { JobctlError } from '../util/errors.js';
import { TOOL_VERSION } from '../util/version.js';
import { pythonMinorsAllowed, lowestPython, safeSatisfies } from '../rules/lib/versions.js';
import { changeApplies, collectFacts, type Hit, type ProjectFacts } from './facts.js';
import { dependencyMatrix } from './dependencies.js';
import { computeEdits } from './edits.js';
import { verificationSteps, rollbackSteps } from './steps.js';
import type { TestedPython } from './python-tested.js';
import { documentedCommandEdits, type DocumentedCommand } from './documented-commands.js';
import { noDepsInstalls } from './no-deps.js';
import { transportSystemPackages } from './system-packages.js';
import { sqsHits, transportExtras } from './transport-extras.js';
import type { AffectedLocation, DependencyRow, EditKind, FalseClaim, PlanChange, PlanFinding, PythonCompat, RiskLevel, UpgradePlan } from './types.js';

export interface PlanOptions {
  /** the version upgraded from (default: detected from the project's pins/locks) */
  from?: string;
  /** a version ('5.6.2'), a line ('5.6') or 'latest' (default: the newest release) */
  to?: string;
  /** Pythons the project tests/declares in CI matrices, tox and classifiers (read by python-tested.ts) */
  tested?: TestedPython[];
  /** celery commands in the project's README/docs (read by documented-commands.ts) */
  documented?: DocumentedCommand[];
  /** read the project through the per-file fact cache (the CLI does unless --no-cache) */
  cache?: boolean;
}

const RISK_ORDER: Record<RiskLevel, number> = { low: 0, medium: 1, high: 2 };
export function maxRisk(...levels: RiskLevel[]): RiskLevel {
  return levels.reduce<RiskLevel>((a, b) => (RISK_ORDER[b] > RISK_ORDER[a] ? b : a), 'low');
}

/**
 * Risk of a finding from its severity and confidence: score = severity (error 2, warning 1, info 0) +
 * confidence (high 1, medium 0, low -1); >= 3 high, >= 1 medium (info findings stay low: they are advice).
 */
export function riskOfFinding(f: Pick<Finding, 'severity' | 'confidence'>): RiskLevel {
  if (f.severity === 'info') return 'low';
  const score = (f.severity === 'error' ? 2 : 1) + (f.confidence === 'high' ? 1 : f.confidence === 'medium' ? 0 : -1);
  return score >= 3 ? 'high' : score >= 1 ? 'medium' : 'low';
}

/** Audit rules that speak about the same thing as a change condition (beyond matching file:line). */
const RULE_CONDITIONS: Record<string, string[]> = {
  JC101: ['old-setting-names'], JC102: ['old-setting-names'], JC103: ['old-setting-names', 'django'], JC104: ['old-setting-names'],
  JC106: ['setting-unset:broker_connection_retry_on_startup'],
  JC201: ['async-def-task'], JC202: ['asyncio-in-task'], JC203: ['asyncio-in-task'], JC204: ['asyncio-in-task'], JC205: ['asyncio-in-task'], JC206: ['asyncio-in-task'],
  JC401: ['cli'],
};

function resolveVersions(model: ProjectModel, audit: AuditResult, k: LoadedKnowledge, opts: PlanOptions): { from: ReleaseFacts; fromSource: string; to: ReleaseFacts; requested: string } {
  const requested = opts.to ?? 'latest';
  const to = k.releaseFor(requested);
  const every = [...k.legacyReleases, ...k.releases];
  const lines = (): string => [...new Set(every.map((r) => r.version.split('.').slice(0, 2).join('.')))].join(', ');
  if (!to) throw new JobctlError(`--to ${requested}: not a Celery release jobctl knows (known lines: ${lines()}); pass e.g. --to ${k.newestVersion}`);
  let from: ReleaseFacts | null = null;
  let fromSource = 'given with --from';
  if (opts.from !== undefined) {
    from = k.releaseFor(opts.from);
    if (!from) throw new JobctlError(`--from ${opts.from}: not a Celery release jobctl knows (known lines: ${lines()}); pass the exact version the project runs, e.g. --from 5.3.4`);
  } else {
    const detected = detectPackageVersion(model, 'celery', every.map((r) => r.version));
    if (detected) {
      from = k.releaseFor(detected.version);
      fromSource = detected.source;
      if (!from) throw new JobctlError(`${detected.source}: celery ${detected.version} is not a release jobctl knows (known lines: ${lines()}); pass --from with the nearest release, e.g. --from ${detected.version.split('.').slice(0, 2).join('.')}`);
    } else if (audit.current) {
      from = k.releaseFor(audit.current.version);
      fromSource = audit.current.source;
    }
    if (!from) throw new JobctlError(`${model.root}: could not detect the Celery version this project runs (no pinned celery in requirements, pyproject or a lock file); pass --from, e.g. --from 5.3.4`);
  }
  // from == to is allowed: a project already on the target may still need renames and CLI fixes
  if (compare(from.version, to.version) > 0) {
    throw new JobctlError(`nothing to plan: the project is on Celery ${from.version} (${fromSource}), newer than the target ${to.version}; pass a newer --to (newest known: ${k.newestVersion})`);
  }
  return { from, fromSource, to, requested };
}

/** CI matrix / tox / classifier entries for Pythons the target does not install on: each must go. */
function pythonDrops(tested: TestedPython[], to: ReleaseFacts): import('./types.js').ManualEdit[] {
  if (!to.requiresPython) return [];
  const byLine = new Map<string, TestedPython[]>();
  for (const t of tested) {
    if (safeSatisfies(`${t.minor}.0`, to.requiresPython) !== false) continue;
    const key = `${t.file}:${t.line}`;
    byLine.set(key, [...(byLine.get(key) ?? []), t]);
  }
  return [...byLine.values()].map((ts) => {
    const t = ts[0]!;
    const what = { 'ci-matrix': 'the CI matrix', tox: 'the tox envlist', classifier: 'the classifiers' }[t.kind];
    return {
      file: t.file, line: t.line, title: `Python ${ts.map((x) => x.minor).join(', ')} in ${what}: Celery ${to.version} does not install there`,
      why: `Celery ${to.version} requires Python ${to.requiresPython} (Requires-Python of its wheel): pip refuses it on ${ts.map((x) => x.minor).join(', ')}, so this ${t.kind === 'classifier' ? 'declaration is wrong' : 'job fails'} after the upgrade.`,
      suggestion: `remove ${ts.map((x) => x.minor).join(', ')} from ${what} (${t.file}:${t.line})`,
    };
  });
}

function linesCrossed(k: LoadedKnowledge, from: ReleaseFacts, to: ReleaseFacts): string[] {
  const lineOf = (v: string): string => v.split('.').slice(0, 2).join('.');
  const out: string[] = [];
  for (const r of [...k.legacyReleases, ...k.releases]) {
    if (compare(r.version, from.version) <= 0 || compare(r.version, to.version) > 0) continue;
    const l = lineOf(r.version);
    if (l !== lineOf(from.version) && !out.includes(l)) out.push(l);
  }
  return out;
}

function pythonCompat(model: ProjectModel, from: ReleaseFacts, to: ReleaseFacts): PythonCompat {
  const facts = model.pythonVersions.map((p) => ({ value: p.value, exact: p.exact, where: `${p.file}:${p.loc.line}` }));
  const lowest = lowestPython(model.pythonVersions);
  const base = { facts, lowestMinor: lowest?.minor ?? null, currentRequires: from.requiresPython, targetRequires: to.requiresPython, targetClassifiers: to.pythonClassifiers };
  if (!lowest) {
    return { ...base, status: 'unknown', message: `The project does not state its Python version (.python-version, requires-python, Dockerfile FROM python:...); Celery ${to.version} requires Python ${to.requiresPython ?? '(unknown)'} and lists ${to.pythonClassifiers.join(', ')}.` };
  }
  const minors = [...new Set(model.pythonVersions.flatMap((p) => pythonMinorsAllowed(p)))];
  const outside = to.requiresPython ? minors.filter((m) => safeSatisfies(`${m}.0`, to.requiresPython!) === false) : [];
  if (outside.length > 0) {
    return { ...base, status: 'unsupported', message: `Python ${outside.join(', ')} (allowed by ${lowest.fact.file}:${lowest.fact.loc.line}) is outside Celery ${to.version}'s Requires-Python ${to.requiresPython}: pip will not install it there.` };
  }
  const exactMinors = [...new Set(model.pythonVersions.filter((p) => p.exact).flatMap((p) => pythonMinorsAllowed(p)))];
  const untested = exactMinors.filter((m) => !to.pythonClassifiers.includes(m));
  if (untested.length > 0) {
    return { ...base, status: 'untested', message: `Python ${untested.join(', ')} is allowed by Requires-Python ${to.requiresPython ?? ''} but not among Celery ${to.version}'s classifiers (${to.pythonClassifiers.join(', ')}): installable, not declared as supported.` };
  }
  return { ...base, status: 'ok', message: `Python ${minors.join(', ')} fits Celery ${to.version} (Requires-Python ${to.requiresPython ?? 'unset'}; classifiers ${to.pythonClassifiers.join(', ')}).` };
}

/** Rules whose findings at a change's own locations are about that change, by change kind. */
const KIND_RULES: Record<string, string[]> = {
  dependency: ['JC302', 'JC303', 'JC304', 'JC305'],
  python: ['JC301'],
  breaking: ['JC105', 'JC604'],
  deprecation: ['JC105', 'JC106'],
  behaviour: ['JC105'],
  security: [],
  'memory-leak': [],
};

function findingLinks(f: Finding, change: BehaviourChange, matched: string[], hits: Hit[]): boolean {
  const conds = RULE_CONDITIONS[f.ruleId] ?? [];
  if (conds.some((c) => matched.includes(c))) return true;
  if (f.ruleId === 'JC301' && change.kind === 'python') return true;
  const atHit = hits.some((h) => h.file === f.location.file && h.line === f.location.line);
  return atHit && (KIND_RULES[change.kind] ?? []).includes(f.ruleId);
}

/** Changes an audit rule checks in full: no finding from that rule means the change does not bite here. */
const CHECKED_BY: Record<string, string> = {
  '5.5-soft-gt-hard-time-limit': 'JC604',
  '5.3-broker-connection-retry-on-startup': 'JC106',
  '5.0-click-cli': 'JC401',
};

function changeRisk(change: BehaviourChange, matched: string[], linked: Finding[]): { risk: RiskLevel; reason: string } {
  const checker = CHECKED_BY[change.id] ?? (change.kind === 'python' ? 'JC301' : undefined);
  if (checker && linked.length === 0) return { risk: 'low', reason: `audit rule ${checker} checks this for the target and found nothing` };
  if (linked.length > 0) {
    const risk = maxRisk(...linked.map(riskOfFinding));
    const worst = linked.find((f) => riskOfFinding(f) === risk)!;
    return { risk, reason: `from audit finding ${worst.ruleId} (${worst.severity}, ${worst.confidence} confidence) at ${worst.location.file}:${worst.location.line}` };
  }
  const specific = matched.some((m) => m !== 'always');
  if (change.kind === 'breaking' && specific) return { risk: 'medium', reason: `breaking change that matches this project (${matched.join(', ')}); no audit rule checks it further` };
  return { risk: 'low', reason: specific ? `${change.kind} change matching ${matched.join(', ')}; no audit finding` : `${change.kind} change for every project; no audit finding` };
}

function editRisk(kinds: EditKind[], file: string, findings: Finding[]): RiskLevel {
  // an edit is as risky as what it fixes: the findings in the file it changes
  const rel = findings.filter((f) => f.location.file === file && (kinds.includes('rename-settings') ? /^JC10[1-4]$/.test(f.ruleId) : kinds.includes('reorder-cli') ? f.ruleId === 'JC401' : /^JC30/.test(f.ruleId)));
  return rel.length > 0 ? maxRisk(...rel.map(riskOfFinding)) : 'low';
}

function falseClaims(k: LoadedKnowledge, to: ReleaseFacts, facts: ProjectFacts): FalseClaim[] {
  const out: FalseClaim[] = [];
  for (const c of k.behaviourChanges) {
    if (!c.id.startsWith('false-claim-')) continue;
    if (compare(c.version, to.version) > 0) continue;
    // 'always' myths are about versions in general: keep them only when the claim concerns a release crossed
    if (!changeApplies(c.appliesWhen, facts)) continue;
    out.push({ id: c.id, claim: c.title.replace(/^Myth:\s*/, ''), truth: c.detail, sources: c.sources });
  }
  return out;
}

export function assembleUpgradePlan(model: ProjectModel, audit: AuditResult, k: LoadedKnowledge, opts: PlanOptions = {}): UpgradePlan {
  const { from, fromSource, to, requested } = resolveVersions(model, audit, k, opts);
  const facts = collectFacts(model, k, from.version);
  const python = pythonCompat(model, from, to);
  const usesRedis = [...facts.brokerSchemes.keys(), ...facts.backendSchemes.keys()].some((s) => s === 'redis' || s === 'rediss' || s === 'sentinel');
  const dependencies: DependencyRow[] = dependencyMatrix(model, k, to, facts.lowestPython ?? undefined, usesRedis);

  const findings = audit.findings;
  const linkedFindings = new Set<Finding>();
  const changes: PlanChange[] = [];
  const notApplicable: UpgradePlan['notApplicable'] = [];
  for (const c of changesBetween(from.version, to.version, k)) {
    const applies = changeApplies(c.appliesWhen, facts);
    if (!applies) {
      notApplicable.push({ id: c.id, version: c.version, title: c.title });
      continue;
    }
    const linked = findings.filter((f) => findingLinks(f, c, applies.matched, applies.hits));
    for (const f of linked) linkedFindings.add(f);
    const affected: AffectedLocation[] = applies.hits.map((h) => ({ file: h.file, line: h.line, message: h.message }));
    for (const f of linked) {
      const existing = affected.find((a) => a.file === f.location.file && a.line === f.location.line && !a.ruleId);
      if (existing) {
        existing.ruleId = f.ruleId;
        existing.message = f.message;
      } else affected.push({ file: f.location.file, line: f.location.line, ruleId: f.ruleId, message: f.message });
    }
    affected.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
    const { risk, reason } = changeRisk(c, applies.matched, linked);
    changes.push({ id: c.id, version: c.version, kind: c.kind, title: c.title, detail: c.detail, matched: applies.matched, affected, fix: c.action ?? null, sources: c.sources, risk, riskReason: reason });
  }

  const ruleMeta = new Map(audit.rules.map((r) => [r.id, r]));
  const planFindings: PlanFinding[] = findings
    .filter((f) => !linkedFindings.has(f))
    .map((f) => ({
      ruleId: f.ruleId, title: ruleMeta.get(f.ruleId)?.title ?? f.ruleName, severity: f.severity, confidence: f.confidence,
      file: f.location.file, line: f.location.line, message: f.message, hint: f.hint, sources: ruleMeta.get(f.ruleId)?.sources ?? [], risk: riskOfFinding(f),
    }));

  const droppedPython = pythonDrops(opts.tested ?? [], to);
  const { edits, manualEdits } = computeEdits(model, k, to, dependencies, (kinds, file) => editRisk(kinds, file, findings), from);

  const sqs = sqsHits(model, facts);
  const usesSqs = sqs.length > 0 || facts.celeryExtras.has('sqs');
  manualEdits.push(...droppedPython, ...noDepsInstalls(model, k, to, facts.lowestPython), ...transportSystemPackages(model, to, usesSqs), ...transportExtras(model, k, to, dependencies, sqs, facts.lowestPython), ...documentedCommandEdits(opts.documented ?? [], compare(from.version, '5.0.0') < 0));
  manualEdits.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  const pyRisk: RiskLevel = python.status === 'unsupported' ? 'high' : python.status === 'untested' ? 'medium' : 'low';
  const items: { risk: RiskLevel; label: string }[] = [
    ...changes.map((c) => ({ risk: c.risk, label: `${c.title} (${c.riskReason})` })),
    ...planFindings.map((f) => ({ risk: f.risk, label: `${f.ruleId} at ${f.file}:${f.line} (${f.severity}, ${f.confidence} confidence)` })),
    ...dependencies.filter((d) => d.status === 'conflict').map((d) => ({ risk: 'high' as RiskLevel, label: `${d.name} ${d.currentSpecifier} conflicts with ${d.targetNeeds} (${d.where})` })),
    { risk: pyRisk, label: `Python: ${python.status}` },
  ];
  const overall = maxRisk(...items.map((i) => i.risk));
  const counts: Record<RiskLevel, number> = { low: 0, medium: 0, high: 0 };
  for (const i of items) counts[i.risk]++;
  const reasons = overall === 'low' ? ['no item rated above low'] : items.filter((i) => i.risk === overall).map((i) => i.label);

  const notes: string[] = [];
  if (from.version === to.version) notes.push(`The project is already on Celery ${to.version}: the plan lists only what still needs doing for it.`);
  if (to.yanked) notes.push(`Celery ${to.version} was yanked from PyPI${to.yankedReason ? ` (${to.yankedReason})` : ''}; choose another release.`);
  if (model.dependencies.length === 0) notes.push('No requirement or lock file was read: the dependency matrix shows only what the target needs.');
  for (const n of model.notes.filter((x) => x.level === 'warning')) notes.push(`${n.file ? `${n.file}: ` : ''}${n.message}`);

  return {
    schemaVersion: 1,
    kind: 'upgrade-plan',
    tool: { name: 'jobctl', version: TOOL_VERSION },
    root: model.root,
    from: { version: from.version, source: fromSource },
    to: { version: to.version, requested, yanked: to.yanked },
    linesCrossed: linesCrossed(k, from, to),
    python,
    dependencies,
    changes,
    notApplicable,
    findings: planFindings,
    edits,
    manualEdits,
    verification: verificationSteps(model, to, dependencies, edits),
    rollback: rollbackSteps(model, from, to, dependencies, edits),
    falseClaims: falseClaims(k, to, facts),
    risk: { overall, reasons, counts },
    notes,
  };
}
