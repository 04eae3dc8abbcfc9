import { Args, Flags } from '@oclif/core';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { JobctlCommand } from '../cli/base-command.js';
import { canPrompt } from '../checklist/prompt.js';
import { detectInitFacts, type InitFacts } from '../init/detect.js';
import { askInitChoices } from '../init/prompt.js';
import { renderInitConfig, type InitChoices } from '../init/render.js';
import { JobctlError } from '../util/errors.js';

export interface InitResult {
  file: string;
  written: boolean;
  interactive: boolean;
  choices: InitChoices;
  facts: InitFacts;
}

export default class Init extends JobctlCommand {
  static override summary = 'Write jobctl.yaml for this project: the Celery app, Python, target version, and a smoke.tasks skeleton from your tasks';
  static override description = 'Detects the app (`-A` value) from the worker commands and the code, the Python environment, the pinned and newest Celery, and the tasks with their signatures. In a terminal it asks about what it could not detect; without one it writes what it detected and exits 0. An existing jobctl.yaml is never overwritten without --force.';
  static override examples = ['<%= config.bin %> init', '<%= config.bin %> init path/to/project --force'];
  static override args = { path: Args.directory({ description: 'project folder', default: '.', exists: false }) };
  static override flags = {
    force: Flags.boolean({ summary: 'overwrite an existing jobctl.yaml' }),
    'no-input': Flags.boolean({ summary: 'never ask; write what was detected' }),
  };

  async run(): Promise<InitResult> {
    const { args, flags } = await this.parse(Init);
    const root = path.resolve(args.path);
    const st = await fs.stat(root).catch(() => null);
    if (!st?.isDirectory()) throw new JobctlError(`${args.path}: no such project folder; pass the folder that holds your Celery project`, { file: args.path });
    const file = path.join(root, 'jobctl.yaml');
    for (const existing of ['jobctl.yaml', 'jobctl.yml', '.jobctl.yaml', '.jobctl.yml']) {
      if (!flags.force && (await fs.stat(path.join(root, existing)).catch(() => null))) {
        throw new JobctlError(`${path.join(args.path, existing)} already exists; pass --force to overwrite it`, { file: existing });
      }
    }
    const facts = await detectInitFacts(root);
    const interactive = !flags['no-input'] && !this.jsonEnabled() && canPrompt(process.stdin, process.stderr);
    const sources: { app?: string; python?: string; target?: string } = {};
    let choices: InitChoices;
    if (interactive) {
      choices = await askInitChoices(facts, sources);
    } else {
      const app = facts.apps[0] ?? null;
      if (app) sources.app = `detected in ${app.source}`;
      if (facts.python) sources.python = `found: ${facts.python.source}`;
      sources.target = 'the newest release jobctl knows';
      choices = { app: app?.value ?? null, python: facts.python?.value ?? null, target: facts.newestLine };
      if (facts.apps.length > 1) this.progress(`jobctl: ${facts.apps.length} Celery apps found (${facts.apps.map((a) => a.value).join(', ')}); wrote ${app!.value}, edit \`app:\` if another one runs in production`);
    }
    await fs.writeFile(file, renderInitConfig(facts, choices, sources));
    const missing = [choices.app ? null : 'app', choices.python ? null : 'python'].filter(Boolean);
    this.progress(`jobctl: wrote ${displayPath(file)} (app ${choices.app ?? 'not found'}, target ${choices.target}, ${facts.tasks.length} task${facts.tasks.length === 1 ? '' : 's'} in the smoke skeleton)${missing.length ? `; fill in ${missing.join(' and ')} by hand` : ''}`);
    return { file, written: true, interactive, choices, facts };
  }
}

function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}
