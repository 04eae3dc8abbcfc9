import { Args, Flags } from '@oclif/core';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { JobctlCommand } from '../cli/base-command.js';
import { applyPlan, planUpgradeWithModel, renderPlanMarkdown, type ApplyResult, type UpgradePlan } from '../plan/index.js';
import { noCacheFlag } from '../cli/cache-flag.js';
import { JobctlError } from '../util/errors.js';
import { checkTargetWithPip } from '../plan/check.js';
import { maskDeep } from '../util/mask.js';
import { appliablePatch } from '../plan/patch-secrets.js';

export default class UpgradePlanCommand extends JobctlCommand {
  static override summary = 'Plan a Celery upgrade for this project: versions, pins, changes that touch it, edits, verification, rollback';
  static override description = 'Detects the Celery version the project pins, audits the project for the target, and prints one plan (markdown, or JSON with --json). Without --apply it shows the edits as a diff; --apply writes the safe ones (idempotent; a file that does not parse or changed since is never touched). Default target: `target` in jobctl.yaml, else the newest release. Exit 0 planned (and applied), 2 usage/config error.';
  static override examples = [
    '<%= config.bin %> upgrade-plan',
    '<%= config.bin %> upgrade-plan --to 5.6.2',
    '<%= config.bin %> upgrade-plan --from 5.3.4 --to 5.5.3 --format markdown > UPGRADE.md',
    '<%= config.bin %> upgrade-plan --to 5.6 --format diff > upgrade.patch',
    '<%= config.bin %> upgrade-plan --to 5.6 --apply',
  ];
  static override args = { path: Args.directory({ description: 'project folder', default: '.', exists: false }) };
  static override flags = {
    to: Flags.string({ char: 't', summary: 'target Celery version or line (5.6.2, 5.6, latest)' }),
    from: Flags.string({ summary: 'the Celery version the project runs now (default: detected from pins/locks)' }),
    format: Flags.string({ char: 'f', summary: 'output format', options: ['markdown', 'diff'], default: 'markdown' }),
    apply: Flags.boolean({ summary: 'write the safe edits (settings renames, pin bumps, CLI option order)' }),
    'output-file': Flags.string({ char: 'o', summary: 'write the plan to this file instead of stdout' }),
    check: Flags.boolean({ summary: 'also resolve the target requirements with pip (--dry-run --report, nothing installed); exit 1 when they do not resolve or would not run' }),
    'base-python': Flags.string({ summary: 'interpreter for --check (default python3)' }),
    'no-cache': noCacheFlag,
  };

  async run(): Promise<UpgradePlan & { applied?: ApplyResult }> {
    const { args, flags } = await this.parse(UpgradePlanCommand);
    if (this.jsonEnabled() && flags['output-file']) this.jsonOutputFile = flags['output-file'];
    const { plan, model } = await planUpgradeWithModel(args.path, {
      ...(flags.to !== undefined ? { to: flags.to } : {}),
      ...(flags.from !== undefined ? { from: flags.from } : {}),
      cache: !flags['no-cache'],
    });
    if (flags.check) {
      const check = await checkTargetWithPip(model, plan.to.version, flags['base-python'] ?? process.env.JOBCTL_BASE_PYTHON ?? 'python3', (l) => this.progress(l));
      plan.notes.push(...check.lines.map((l) => `dependency check: ${l}`));
      if (!check.ok) this.setExitCode(1);
    }
    let applied: ApplyResult | undefined;
    if (flags.apply) {
      applied = await applyPlan(plan, path.resolve(args.path));
      for (const r of applied.results) this.progress(`${r.status.padEnd(9)} ${r.file}${r.reason ? ` (${r.reason})` : ''}`);
      if (applied.results.length === 0) this.progress('nothing to apply: no safe edits in this plan');
      if (applied.results.some((r) => r.status === 'failed')) this.setExitCode(2);
    }
    // Edits carry whole lines of the files they touch, and their diff context shows the lines around
    // them: a renamed `BROKER_URL = 'redis://:pw@…'` or a neighbouring `PASSWORD = '…'` would be printed
    // in full. Only the output is redacted; --apply above worked on the real text.
    const shown = maskDeep(applied ? { ...plan, applied } : plan);
    if (!this.jsonEnabled()) {
      // a masked patch would not apply: files whose hunks hold a credential are left out (and named)
      let text: string;
      if (flags.format === 'diff') {
        const patch = appliablePatch(plan);
        for (const f of patch.leftOut) this.progress(`jobctl: ${f} left out of the patch: its lines hold a credential, which jobctl never prints; apply that edit with \`jobctl upgrade-plan --apply\``);
        text = patch.text;
      } else text = renderPlanMarkdown(shown);
      if (flags['output-file']) await writeFile(flags['output-file'], text);
      else process.stdout.write(text);
    }
    return shown;
  }
}

async function writeFile(file: string, text: string): Promise<void> {
  try {
    await fs.writeFile(file, text);
  } catch (err) {
    throw new JobctlError(`${file}: cannot write the plan (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); choose a writable path`, { file });
  }
}
