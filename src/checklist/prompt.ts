// Asking about the items jobctl cannot detect. Only ever called with a TTY on stdin and stderr; the
// prompts write to stderr so `--format markdown > file` keeps stdout clean. Returns the answers; the
// caller saves them.
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import type { Answer, Checklist } from './types.js';
import { STATUS_SYMBOL } from './types.js';

export interface PromptIO {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

/** Whether prompting is possible at all: a person at a terminal, not CI. */
export function canPrompt(stdin: { isTTY?: boolean }, stderr: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stdin.isTTY) && Boolean(stderr.isTTY) && !env.CI;
}

export async function askUnconfirmed(checklist: Checklist, io: PromptIO = { input: process.stdin, output: process.stderr }): Promise<Record<string, Answer>> {
  // loaded lazily: the non-interactive paths (CI, --json) never load the prompt library
  const { select, input } = await import('@inquirer/prompts');
  const by = whoAmI();
  const answers: Record<string, Answer> = {};
  const open = checklist.items.filter((i) => i.status === 'unconfirmed');
  for (const item of open) {
    io.output.write(`\n${STATUS_SYMBOL.unconfirmed} ${item.title} [${item.severity}]\n  ${item.detail}\n`);
    const status = await select<Answer['status'] | 'skip'>({
      message: `${item.id}: is this done in production?`,
      choices: [
        { name: 'Done', value: 'done' },
        { name: 'Not done yet', value: 'not-done' },
        { name: 'Does not apply to us', value: 'n/a' },
        { name: 'Skip (ask again next time)', value: 'skip' },
      ],
    }, { input: io.input, output: io.output });
    if (status === 'skip') continue;
    const note = await input({ message: 'Note (where / how, optional):' }, { input: io.input, output: io.output });
    answers[item.id] = { status, ...(note.trim() ? { note: note.trim() } : {}), by, at: new Date().toISOString() };
  }
  return answers;
}

function whoAmI(): string {
  try {
    const name = execFileSync('git', ['config', 'user.name'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 }).trim();
    if (name) return name;
  } catch { /* no git identity */ }
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}
