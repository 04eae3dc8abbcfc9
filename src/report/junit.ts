// JUnit XML for CI test tabs (GitLab `artifacts:reports:junit`, Jenkins `junit`, GitHub test-report
// actions): <testsuites> → <testsuite> → <testcase> with <failure message> or <skipped>, counts and
// times in seconds — the subset every one of them reads (the Ant/Surefire layout). The runtime
// results (SmokeResult, LoadTestResult, VerifyResult) are mapped to one neutral shape here and
// rendered by one writer; every text passes the URL-credential mask on its way out.
import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import { JobctlError } from '../util/errors.js';
import type { SmokeResult } from '../runtime/smoke.js';
import type { LoadTestResult } from '../loadtest/types.js';
import type { VerifyResult } from '../verify/types.js';
import { maskUrlCredentials } from '../util/mask.js';

export interface JUnitCase {
  name: string;
  classname: string;
  timeMs: number;
  status: 'pass' | 'fail' | 'skip';
  /** one line: the failure message / skip reason */
  message?: string;
  /** the whole evidence, as the failure's text */
  details?: string;
}

export interface JUnitSuite {
  name: string;
  timeMs: number;
  timestamp?: string;
  properties?: Record<string, string>;
  cases: JUnitCase[];
}

export function renderJUnit(name: string, suites: JUnitSuite[]): string {
  const count = (s: JUnitSuite, st: JUnitCase['status']): number => s.cases.filter((c) => c.status === st).length;
  const total = (st: JUnitCase['status']): number => suites.reduce((n, s) => n + count(s, st), 0);
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites name="${attr(name)}" tests="${suites.reduce((n, s) => n + s.cases.length, 0)}" failures="${total('fail')}" errors="0" skipped="${total('skip')}" time="${secs(suites.reduce((n, s) => n + s.timeMs, 0))}">`);
  suites.forEach((s, i) => {
    out.push(`  <testsuite name="${attr(s.name)}" id="${i}" tests="${s.cases.length}" failures="${count(s, 'fail')}" errors="0" skipped="${count(s, 'skip')}" time="${secs(s.timeMs)}" hostname="${attr(hostname())}"${s.timestamp ? ` timestamp="${attr(s.timestamp.replace(/\.\d+Z$/, '').replace(/Z$/, ''))}"` : ''}>`);
    const props = Object.entries(s.properties ?? {});
    if (props.length > 0) {
      out.push('    <properties>');
      for (const [k, v] of props) out.push(`      <property name="${attr(k)}" value="${attr(v)}"/>`);
      out.push('    </properties>');
    }
    for (const c of s.cases) {
      const open = `    <testcase name="${attr(c.name)}" classname="${attr(c.classname)}" time="${secs(c.timeMs)}"`;
      if (c.status === 'pass') {
        out.push(`${open}/>`);
        continue;
      }
      out.push(`${open}>`);
      if (c.status === 'fail') out.push(`      <failure message="${attr(c.message ?? 'failed')}" type="failure">${text(c.details ?? c.message ?? '')}</failure>`);
      else out.push(`      <skipped message="${attr(c.message ?? 'skipped')}"/>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  });
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

export function smokeToJUnit(r: SmokeResult): JUnitSuite[] {
  return [{
    name: `jobctl smoke-test ${r.app}`,
    timeMs: r.durationMs,
    properties: { app: r.app, celery: r.celeryVersion, pool: r.pool, concurrency: String(r.concurrency), python: r.python.version },
    cases: r.checks.map((c) => ({
      name: `${c.id}: ${c.title}`,
      classname: 'jobctl.smoke-test',
      timeMs: c.durationMs,
      // a failed optional check does not fail the run (exit 0); in the test tab it must not either
      // a 'warn' (e.g. errors in the worker log) passes, with its evidence as the message
      status: (c.status === 'fail' && !c.required) ? 'skip' as const : c.status === 'warn' ? 'pass' as const : c.status,
      message: c.status === 'fail' && !c.required ? `optional check failed: ${firstLine(c.evidence)}` : c.status === 'warn' ? `warning: ${firstLine(c.evidence)}` : firstLine(c.evidence),
      details: c.evidence,
    })),
  }];
}

export function loadToJUnit(r: LoadTestResult): JUnitSuite[] {
  return [{
    name: `jobctl load-test ${r.task}`,
    timeMs: r.durationMs,
    timestamp: r.startedAt,
    properties: { task: r.task, mode: r.mode, ...(r.concurrency !== null ? { concurrency: String(r.concurrency) } : {}), ...(r.ratePerSec !== null ? { rate: `${r.ratePerSec}/s` } : {}), published: String(r.counts.published), ...(r.defaultThresholds ? { thresholds: 'defaults (no --threshold given)' } : {}) },
    cases: r.thresholds.map((t) => {
      const seen = t.actual === null ? 'not measured' : `${round(t.actual)}${t.unit === 'count' ? '' : t.unit === '/s' ? '/s' : ` ${t.unit}`}`;
      const message = `${t.metric} = ${seen}, limit ${t.op} ${round(t.limit)}${t.unit === 'count' ? '' : t.unit === '/s' ? '/s' : ` ${t.unit}`}${t.note ? ` (${t.note})` : ''}`;
      return { name: t.expression, classname: 'jobctl.load-test.thresholds', timeMs: 0, status: t.pass ? 'pass' as const : 'fail' as const, message, details: message };
    }),
  }];
}

export function verifyToJUnit(r: VerifyResult): JUnitSuite[] {
  // a monorepo: one suite per worker service
  if (r.services?.length) return r.services.flatMap((s) => verifyToJUnit(s).map((suite) => ({ ...suite, name: `${suite.name} — service ${s.service.folder}` })));
  const cases: JUnitCase[] = [];
  for (const s of r.stages) {
    // verify's titles already start with the stage id ("import — the app loads …")
    const title = s.title.startsWith(s.id) ? s.title : `${s.id}: ${s.title}`;
    const sides = r.rehearsal ? ([['current', s.current], ['target', s.target]] as const).filter(([, o]) => o !== undefined) : [];
    if (sides.length === 0) {
      cases.push({ name: title, classname: 'jobctl.verify', timeMs: s.durationMs, status: s.status, message: s.reason ?? s.evidence[0] ?? s.status, details: [s.reason, ...s.evidence].filter(Boolean).join('\n') });
      continue;
    }
    for (const [side, o] of sides) {
      cases.push({ name: `${title} (celery ${o!.celery})`, classname: `jobctl.verify.${side}`, timeMs: o!.durationMs, status: o!.status, message: (o!.status === s.status ? s.reason : undefined) ?? o!.evidence[0] ?? o!.status, details: o!.evidence.join('\n') });
    }
  }
  return [{ name: `jobctl verify${r.target ? ` → ${r.target}` : ''}`, timeMs: r.durationMs, properties: { ...(r.current.version ? { celery: r.current.version } : {}), ...(r.target ? { target: r.target } : {}), python: r.python }, cases }];
}

function firstLine(s: string): string {
  return (s.split('\n').find((l) => l.trim()) ?? '').trim();
}
function round(n: number): string {
  return String(Math.round(n * 100) / 100);
}
function secs(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}
/** XML 1.0 allows neither most control characters nor lone surrogates, even escaped */
function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return maskUrlCredentials(s).replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}
function text(s: string): string {
  return clean(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

/** `--junit FILE` on smoke-test, load-test and verify. */
export async function writeJUnitFile(file: string, name: string, suites: JUnitSuite[]): Promise<void> {
  try {
    await fs.writeFile(file, renderJUnit(name, suites));
  } catch (err) {
    throw new JobctlError(`${file}: cannot write the JUnit report (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); choose a writable path`, { file });
  }
}
