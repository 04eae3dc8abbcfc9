import { maskDeep } from '../util/mask.js';
import { handleInterrupts } from '../runtime/lifecycle.js';
import { killAllManagedSync } from '../runtime/process-group.js';
import { Args, Flags } from '@oclif/core';
import { promises as fs } from 'node:fs';
import { JobctlCommand } from '../cli/base-command.js';
import { runVerify, renderVerifyText, renderVerifyMarkdown, type VerifyResult } from '../verify/index.js';
import { ALL_STAGES, type StageId } from '../verify/types.js';
import { useColor } from '../report/index.js';
import { verifyToJUnit, writeJUnitFile } from '../report/junit.js';
import { JobctlError } from '../util/errors.js';

export default class Verify extends JobctlCommand {
  static override summary = 'Run the staged verification steps, or rehearse an upgrade side by side';
  static override description = `Stages: static (audit) → deps (requirements resolve with that Celery) → import (the app loads; tasks, settings, warnings) → smoke (a real worker) → load (a short real load) → tests (the project's pytest suite). With --to, each stage runs for the current and the target Celery in separate cached venvs (under ~/.cache/jobctl, never the project's own environment) and the report compares them; the target side is the upgrade plan applied to a temporary copy. A monorepo's worker services (folders with their own requirement files and Celery app) are verified one by one, each from its own files. Exit 0 only if every stage run passes; 1 a stage failed; 2 usage error; 130 interrupted.`;
  static override examples = [
    '<%= config.bin %> verify',
    '<%= config.bin %> verify --to 5.6.2',
    '<%= config.bin %> verify --to 5.6.2 --stages static,deps,import,smoke',
    '<%= config.bin %> verify --json > verify.json',
  ];
  static override args = { path: Args.directory({ description: 'project folder', default: '.', exists: false }) };
  static override flags = {
    junit: Flags.string({ summary: 'also write JUnit XML to this file (one testcase per stage, per side when rehearsing; for GitLab/Jenkins test tabs)' }),
    to: Flags.string({ summary: 'rehearse the upgrade to this Celery version or line (5.6.2, 5.6, latest)' }),
    from: Flags.string({ summary: 'the current Celery version, when the project does not pin one' }),
    stages: Flags.string({ summary: `stages to run, comma-separated (${ALL_STAGES.join(',')})`, multiple: true, delimiter: ',' }),
    app: Flags.string({ char: 'A', summary: 'Celery app, as given to `celery -A`' }),
    'base-python': Flags.string({ summary: 'interpreter that creates the rehearsal venvs (default python3)' }),
    'python-current': Flags.string({ summary: "interpreter (already on this machine) for the current side's venv" }),
    'python-target': Flags.string({ summary: "interpreter (already on this machine) for the target side's venv, e.g. python3.12" }),
    constraint: Flags.string({ summary: 'pip constraints file applied to both sides (like `pip install -c FILE`)' }),
    'load-tasks': Flags.integer({ summary: 'tasks in the load stage', default: 300, min: 10 }),
    'load-concurrency': Flags.integer({ summary: 'tasks in flight in the load stage', default: 20, min: 1 }),
    format: Flags.string({ char: 'f', summary: 'output format', options: ['text', 'markdown'], default: 'text' }),
    'output-file': Flags.string({ char: 'o', summary: 'write the report to this file' }),
  };

  async run(): Promise<VerifyResult> {
    const { args, flags } = await this.parse(Verify);
    if (this.jsonEnabled() && flags['output-file']) this.jsonOutputFile = flags['output-file'];
    const stages = flags.stages?.map((s) => s.trim()).filter(Boolean);
    for (const s of stages ?? []) if (!ALL_STAGES.includes(s as StageId)) throw new JobctlError(`--stages: unknown stage '${s}'; use any of ${ALL_STAGES.join(',')}`);
    // a report path that cannot be written must fail now, not after minutes of stages
    if (flags['output-file']) {
      try {
        await fs.appendFile(flags['output-file'], '');
      } catch (err) {
        throw new JobctlError(`${flags['output-file']}: cannot write the report (${(err as NodeJS.ErrnoException).code}); choose a writable path`);
      }
    }
    const abort = new AbortController();
    const interrupts = handleInterrupts({ onFirst: () => abort.abort(), forceKill: killAllManagedSync, announce: (l) => this.progress(l) });
    try {
      const tty = Boolean(process.stderr.isTTY) && !this.jsonEnabled();
      const result = maskDeep(await runVerify({
        root: args.path, signal: abort.signal, renderer: tty ? 'default' : 'simple',
        loadTasks: flags['load-tasks'], loadConcurrency: flags['load-concurrency'],
        ...(flags.to ? { to: flags.to } : {}), ...(flags.from ? { from: flags.from } : {}),
        ...(stages ? { stages: stages as StageId[] } : {}), ...(flags.app ? { app: flags.app } : {}),
        ...(flags['base-python'] ? { basePython: flags['base-python'] } : {}),
        ...(flags['python-current'] ? { pythonCurrent: flags['python-current'] } : {}),
        ...(flags['python-target'] ? { pythonTarget: flags['python-target'] } : {}),
        ...(flags.constraint ? { constraint: flags.constraint } : {}),
      }));
      if (interrupts.exitCode !== null) Object.assign(result, { interrupted: true, exitCode: interrupts.exitCode });
      if (flags.junit) await writeJUnitFile(flags.junit, 'jobctl verify', verifyToJUnit(result));
      if (!this.jsonEnabled()) {
        const text = flags.format === 'markdown' ? renderVerifyMarkdown(result) : renderVerifyText(result, { color: !flags['output-file'] && useColor(process.stdout) });
        if (flags['output-file']) {
          try {
            await fs.writeFile(flags['output-file'], text);
          } catch (err) {
            throw new JobctlError(`${flags['output-file']}: cannot write the report (${(err as NodeJS.ErrnoException).code}); choose a writable path`);
          }
        } else process.stdout.write(text);
      }
      this.setExitCode(result.exitCode);
      return result;
    } finally {
      interrupts.dispose();
    }
  }
}
