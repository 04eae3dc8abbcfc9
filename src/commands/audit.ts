import { Args, Flags } from '@oclif/core';
import { promises as fs } from 'node:fs';
import { JobctlCommand } from '../cli/base-command.js';
import { runAudit, meetsFailOn } from '../engine/audit.js';
import { loadConfig } from '../engine/config.js';
import type { AuditResult } from '../engine/types.js';
import { AUDIT_FORMATS, renderAudit, useColor, type AuditFormat } from '../report/index.js';
import { buildAuditSarif } from '../report/audit-sarif.js';
import { JobctlError } from '../util/errors.js';

export default class Audit extends JobctlCommand {
  static override summary = 'Scan a Celery project for upgrade breakers, security and readiness problems';
  static override description = 'Reads the Celery app, settings (Django included), .env, compose, Procfile, Dockerfile, systemd, redis.conf, requirements and lock files, and the task code. Exit 0 clean, 1 findings at or above --fail-on, 2 usage or config error.';
  static override examples = [
    '<%= config.bin %> audit path/to/project',
    '<%= config.bin %> audit . --format sarif > jobctl.sarif',
    '<%= config.bin %> audit . --format github',
    '<%= config.bin %> audit . --target 5.6 --fail-on warning',
  ];
  static override args = { path: Args.directory({ description: 'project folder', default: '.', exists: false }) };
  static override flags = {
    format: Flags.string({ char: 'f', summary: 'output format', options: [...AUDIT_FORMATS], default: 'text' }),
    target: Flags.string({ char: 't', summary: 'Celery version to check against (e.g. 5.6 or 5.6.2)' }),
    'fail-on': Flags.string({ summary: 'lowest severity that makes the run exit 1', options: ['error', 'warning', 'info'] }),
    'exit-zero': Flags.boolean({ summary: 'exit 0 even when there are findings (still 2 on errors)' }),
    select: Flags.string({ summary: 'only these rules (ids, prefixes like JC2, or names); comma-separated or repeated', multiple: true, delimiter: ',' }),
    ignore: Flags.string({ summary: 'skip these rules; comma-separated or repeated', multiple: true, delimiter: ',' }),
    'output-file': Flags.string({ char: 'o', summary: 'write the report to this file instead of stdout' }),
    'sarif-output': Flags.string({ summary: 'also write SARIF to this file' }),
  };

  async run(): Promise<AuditResult> {
    const { args, flags } = await this.parse(Audit);
    if (this.jsonEnabled() && flags['output-file']) this.jsonOutputFile = flags['output-file'];
    const config = await loadConfig(args.path);
    const result = await runAudit(args.path, {
      config,
      ...(flags.target !== undefined ? { target: flags.target } : {}),
      ...(flags.select ? { select: flags.select } : {}),
      ...(flags.ignore ? { ignore: flags.ignore } : {}),
    });
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

async function writeFile(file: string, text: string): Promise<void> {
  try {
    await fs.writeFile(file, text);
  } catch (err) {
    throw new JobctlError(`${file}: cannot write the report (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); choose a writable path`, { file });
  }
}
