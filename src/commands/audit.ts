import { Args, Flags } from '@oclif/core';
import { promises as fs } from 'node:fs';
import { JobctlCommand } from '../cli/base-command.js';
import { runAudit, meetsFailOn } from '../engine/audit.js';
import { loadConfig } from '../engine/config.js';
import type { AuditResult } from '../engine/types.js';
import { AUDIT_FORMATS, renderAudit, useColor, type AuditFormat } from '../report/index.js';
import { buildAuditSarif } from '../report/audit-sarif.js';
import { JobctlError } from '../util/errors.js';
import { readBaseline, resolveBaselinePath, withBaseline, writeBaseline } from '../engine/baseline.js';
import { onlyFiles } from '../engine/only-files.js';
import { noCacheFlag } from '../cli/cache-flag.js';

export default class Audit extends JobctlCommand {
  static override summary = 'Scan a Celery project for upgrade breakers, security and readiness problems';
  static override description = 'Reads the Celery app, settings (Django included), .env, compose, Procfile, Dockerfile, systemd, redis.conf, requirements and lock files, and the task code. Exit 0 clean, 1 findings at or above --fail-on, 2 usage or config error.';
  static override examples = [
    '<%= config.bin %> audit path/to/project',
    '<%= config.bin %> audit . --format sarif > jobctl.sarif',
    '<%= config.bin %> audit . --format github',
    '<%= config.bin %> audit . --target 5.6 --fail-on warning',
    '<%= config.bin %> audit . --write-baseline jobctl-baseline.json',
    '<%= config.bin %> audit . --format gitlab -o gl-code-quality-report.json',
  ];
  static override args = { path: Args.directory({ description: 'project folder', default: '.', exists: false }) };
  // `jobctl audit . a.py b.py` (pre-commit passes the changed files): report only their findings
  static override strict = false;
  static override usage = 'audit [PATH] [FILES...] [FLAGS]';
  static override flags = {
    format: Flags.string({ char: 'f', summary: 'output format', options: [...AUDIT_FORMATS], default: 'text' }),
    target: Flags.string({ char: 't', summary: 'Celery version to check against (e.g. 5.6 or 5.6.2)' }),
    'fail-on': Flags.string({ summary: 'lowest severity that makes the run exit 1', options: ['error', 'warning', 'info'] }),
    'exit-zero': Flags.boolean({ summary: 'exit 0 even when there are findings (still 2 on errors)' }),
    select: Flags.string({ summary: 'only these rules (ids, prefixes like JC2, or names); comma-separated or repeated', multiple: true, delimiter: ',' }),
    ignore: Flags.string({ summary: 'skip these rules; comma-separated or repeated', multiple: true, delimiter: ',' }),
    'output-file': Flags.string({ char: 'o', summary: 'write the report to this file instead of stdout' }),
    'sarif-output': Flags.string({ summary: 'also write SARIF to this file' }),
    baseline: Flags.string({ summary: 'report only findings not in this baseline file (default: jobctl.yaml `baseline`, else jobctl-baseline.json in the project when it exists)' }),
    'write-baseline': Flags.string({ summary: "record today's findings in this file (creates or prunes it) and exit 0" }),
    'no-baseline': Flags.boolean({ summary: 'ignore any baseline: report every finding' }),
    'no-cache': noCacheFlag,
  };

  async run(): Promise<AuditResult> {
    const { args, flags, argv } = await this.parse(Audit);
    const files = await extraFiles((argv as string[]).slice(1));
    if (this.jsonEnabled() && flags['output-file']) this.jsonOutputFile = flags['output-file'];
    const config = await loadConfig(args.path);
    const full = await runAudit(args.path, {
      config,
      cache: !flags['no-cache'],
      ...(flags.target !== undefined ? { target: flags.target } : {}),
      ...(flags.select ? { select: flags.select } : {}),
      ...(flags.ignore ? { ignore: flags.ignore } : {}),
    });
    let result = full;
    if (flags['write-baseline']) {
      // the whole project's findings, even when FILES narrowed the report: a baseline is of the project
      await writeBaseline(flags['write-baseline'], full.findings);
      this.progress(`jobctl: wrote ${full.findings.length} finding${full.findings.length === 1 ? '' : 's'} to the baseline ${flags['write-baseline']}; commit it, and \`jobctl audit\` fails only on new findings`);
      return full;
    }
    if (!flags['no-baseline']) {
      const where = resolveBaselinePath(args.path, flags.baseline, config.baseline);
      const baseline = await readBaseline(where.file, where.display, where.required);
      if (baseline) result = withBaseline(result, baseline);
    }
    // narrowed after the baseline, so its stale entries are judged against the whole project
    if (files.length > 0) result = onlyFiles(result, args.path, files);
    const failOn = (flags['fail-on'] ?? config.failOn ?? 'error') as 'error' | 'warning' | 'info';
    if (flags['sarif-output']) await writeFile(flags['sarif-output'], `${JSON.stringify(buildAuditSarif(result), null, 2)}\n`);
    if (!this.jsonEnabled()) {
      const format = flags.format as AuditFormat;
      const text = renderAudit(result, format, { color: !flags['output-file'] && useColor(process.stdout) });
      if (flags['output-file']) await writeFile(flags['output-file'], text);
      else process.stdout.write(text);
    }
    this.setExitCode(!flags['exit-zero'] && meetsFailOn(result, failOn) ? 1 : 0);
    return result;
  }
}

/** Arguments after PATH name files whose findings to report; anything else is a usage error. */
async function extraFiles(rest: string[]): Promise<string[]> {
  for (const f of rest) {
    const st = await fs.stat(f).catch(() => null);
    if (!st?.isFile()) throw new JobctlError(`Unexpected argument: ${f} (arguments after PATH are files whose findings to report, and this is not a file); see \`jobctl audit --help\``);
  }
  return rest;
}

async function writeFile(file: string, text: string): Promise<void> {
  try {
    await fs.writeFile(file, text);
  } catch (err) {
    throw new JobctlError(`${file}: cannot write the report (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); choose a writable path`, { file });
  }
}
