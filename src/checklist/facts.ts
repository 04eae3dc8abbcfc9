// Read-only views over the ProjectModel and the AuditResult that several checklist items need.
// Nothing here parses a file again: values come from the model (settings, tasks, calls, deps,
// compose, redis.conf, .env) or from audit findings. Every text returned is masked.
import { isRedisService } from '../rules/lib/broker.js';
import type { ComposeService, Dependency, EnvVar, Location, SettingAssignment, WorkerCommand } from '../model/types.js';
import type { Finding } from '../engine/types.js';
import type { DetectContext, Evidence } from './types.js';
import type { ResolvedSetting } from '../rules/lib/settings.js';
import { isTestFile } from '../rules/lib/settings.js';
import { maskUrlCredentials, maskValue } from '../util/mask.js';
import { getModuleLevelCalls } from '../model/python/index.js';

/** The assignment Celery ends up with for a setting (the last one read wins). */
export function setting(ctx: DetectContext, name: string): ResolvedSetting | undefined {
  let found: ResolvedSetting | undefined;
  for (const s of ctx.settings) if (s.newName === name) found = s;
  return found;
}

export function settingEvidence(s: ResolvedSetting | SettingAssignment): Evidence {
  const a = 'assignment' in s ? s.assignment : s;
  return { file: a.loc.file, line: a.keyLoc.line, text: `${a.name} = ${oneLine(maskValue(a.name, a.valueText))}` };
}

export function findings(ctx: DetectContext, ruleId: string): Finding[] {
  return ctx.audit.findings.filter((f) => f.ruleId === ruleId);
}

export function findingEvidence(f: Finding): Evidence {
  return { file: f.location.file, line: f.location.line, text: maskUrlCredentials(f.message), ruleId: f.ruleId };
}

export function locEvidence(loc: Location, text: string): Evidence {
  return { file: loc.file, line: loc.line, text: oneLine(maskUrlCredentials(text)) };
}

export function dependency(ctx: DetectContext, ...names: string[]): Dependency | undefined {
  return ctx.model.dependencies.find((d) => names.includes(d.name));
}

export function depEvidence(d: Dependency): Evidence {
  return { file: d.file, line: d.loc.line, text: `${d.rawName}${d.extras.length ? `[${d.extras.join(',')}]` : ''}${d.specifier}` };
}

export function commands(ctx: DetectContext, subcommand?: string): WorkerCommand[] {
  return ctx.model.workerCommands.filter((w) => subcommand === undefined || w.subcommand === subcommand);
}

export function commandEvidence(w: WorkerCommand): Evidence {
  return { file: w.file, line: w.loc.line, text: oneLine(maskUrlCredentials(w.raw)) };
}

export function redisServices(ctx: DetectContext): ComposeService[] {
  return ctx.model.composeServices.filter(isRedisService);
}

/** Every environment variable the project defines: .env files (templates included) and compose `environment:`. */
export function allEnvVars(ctx: DetectContext): { v: EnvVar; file: string }[] {
  return [
    ...ctx.model.envFiles.flatMap((e) => e.vars.map((v) => ({ v, file: e.file }))),
    ...ctx.model.composeServices.flatMap((s) => s.environment.map((v) => ({ v, file: s.file }))),
  ];
}

export function envEvidence(v: EnvVar): Evidence {
  return { file: v.loc.file, line: v.loc.line, text: `${v.key}=${oneLine(maskValue(v.key, v.value))}` };
}

/** Every call site in the project (function bodies and import-time code), with its file. */
export function allCalls(ctx: DetectContext): import('../model/types.js').CallSite[] {
  const out = ctx.model.functions.flatMap((f) => f.calls);
  for (const calls of getModuleLevelCalls(ctx.model).values()) out.push(...calls);
  return out;
}

/** Python test files (tests/, test_*.py, conftest.py) with their text. */
export function testFiles(ctx: DetectContext): { file: string; text: string }[] {
  return ctx.model.files.filter((f) => f.file.endsWith('.py') && isTestFile(f.file)).map((f) => ({ file: f.file, text: f.text }));
}

/** The line (1-based) of the first match of re in text, or 1. */
export function lineOfMatch(text: string, re: RegExp): number {
  const m = re.exec(text);
  if (!m) return 1;
  return text.slice(0, m.index).split('\n').length;
}

export function oneLine(s: string, max = 140): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
