import { Args, Flags } from '@oclif/core';
import { promises as fs } from 'node:fs';
import { JobctlCommand } from '../cli/base-command.js';
import { buildChecklist, failingItems, renderChecklistMarkdown, renderChecklistText, runChecklist, saveAnswers, type Checklist, type ItemSeverity } from '../checklist/index.js';
import { noCacheFlag } from '../cli/cache-flag.js';
import { askUnconfirmed, canPrompt } from '../checklist/prompt.js';
import { useColor } from '../report/index.js';
import { JobctlError } from '../util/errors.js';

export default class ChecklistCommand extends JobctlCommand {
  static override summary = 'Production-readiness checklist: secrets, Redis hardening, alerting, reliability, observability, tests';
  static override description = 'Detects each item from the project files (the same model as `audit`) and asks, in a terminal, about what it cannot detect; answers are saved in jobctl.yaml. Without a TTY, or with --ci, it never prompts: undetectable items are ❓ unconfirmed. Exit 0 clean, 1 when an open or unconfirmed item is at or above --fail-on, 2 usage or config error.';
  static override examples = [
    '<%= config.bin %> checklist',
    '<%= config.bin %> checklist --format markdown > PRODUCTION_CHECKLIST.md',
    '<%= config.bin %> checklist --ci --fail-on critical',
  ];
  static override args = { path: Args.directory({ description: 'project folder', default: '.', exists: false }) };
  static override flags = {
    format: Flags.string({ char: 'f', summary: 'output format', options: ['text', 'markdown', 'json'], default: 'text' }),
    ci: Flags.boolean({ summary: 'never prompt; undetectable items stay ❓ unconfirmed' }),
    'fail-on': Flags.string({ summary: 'lowest severity of an open item that makes the run exit 1', options: ['critical', 'high', 'medium', 'low'], default: 'critical' }),
    'allow-unconfirmed': Flags.boolean({ summary: 'do not count ❓ unconfirmed items for --fail-on' }),
    'exit-zero': Flags.boolean({ summary: 'exit 0 even when items are open (still 2 on errors)' }),
    'no-cache': noCacheFlag,
    'output-file': Flags.string({ char: 'o', summary: 'write the report to this file instead of stdout' }),
  };

  async run(): Promise<Checklist> {
    const { args, flags } = await this.parse(ChecklistCommand);
    if (this.jsonEnabled() && flags['output-file']) this.jsonOutputFile = flags['output-file'];
    const run = await runChecklist(args.path, { cache: !flags['no-cache'] });
    let checklist = run.checklist;
    const interactive = !flags.ci && !this.jsonEnabled() && flags.format !== 'json' && canPrompt(process.stdin, process.stderr);
    if (interactive && checklist.summary.byStatus.unconfirmed > 0) {
      const answers = await askUnconfirmed(checklist);
      if (Object.keys(answers).length > 0) {
        const file = await saveAnswers(run.model.root, run.config, answers);
        this.progress(`saved ${Object.keys(answers).length} answer${Object.keys(answers).length === 1 ? '' : 's'} to ${file}`);
        const raw = { ...run.config.raw };
        const prev = (raw.checklist as { answers?: Record<string, unknown> } | undefined)?.answers ?? {};
        raw.checklist = { ...(raw.checklist as object | undefined), answers: { ...prev, ...answers } };
        checklist = buildChecklist(run.model, run.audit, { ...run.config, file, raw }, { extras: run.extras });
      }
    }
    if (!this.jsonEnabled()) {
      const toFile = Boolean(flags['output-file']);
      const text = flags.format === 'json' ? `${JSON.stringify(checklist, null, 2)}\n`
        : flags.format === 'markdown' ? renderChecklistMarkdown(checklist)
          : renderChecklistText(checklist, { color: !toFile && useColor(process.stdout) });
      if (toFile) await writeFile(flags['output-file']!, text);
      else process.stdout.write(text);
    }
    const failing = failingItems(checklist, flags['fail-on'] as ItemSeverity, !flags['allow-unconfirmed']);
    this.setExitCode(!flags['exit-zero'] && failing.length > 0 ? 1 : 0);
    return checklist;
  }
}

async function writeFile(file: string, text: string): Promise<void> {
  try {
    await fs.writeFile(file, text);
  } catch (err) {
    throw new JobctlError(`${file}: cannot write the checklist (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); choose a writable path`, { file });
  }
}
