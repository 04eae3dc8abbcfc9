// Asking about the items jobctl cannot detect. Only ever called with a TTY on stdin and stderr; the
// prompts write to stderr so `--format markdown > file` keeps stdout clean. Returns the answers; the
// caller saves them.
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import type { Answer, Checklist } from './types.js';
import { STATUS_SYMBOL } from './types.js';
import { JobctlError } from '../util/errors.js';

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
  // Ctrl-D / a closed stdin ends the prompts instead of leaving a promise Node cannot settle: the
  // prompt's readline closes (pausing stdin) while its answer is still pending
  const ac = new AbortController();
  const onEnd = (): void => ac.abort();
  const onPause = (): void => { setImmediate(() => { if (pending.value) ac.abort(); }); };
  io.input.once('end', onEnd);
  io.input.once('close', onEnd);
  io.input.on('pause', onPause);
  try {
    return await askEach(open, answers, by, io, select, input, ac.signal);
  } catch (err) {
    // Ctrl-C (ExitPromptError) or Ctrl-D (AbortPromptError): exit 130, one quiet line
    if (['ExitPromptError', 'AbortPromptError', 'CancelPromptError'].includes((err as Error).name)) throw new JobctlError('interrupted; no answer was saved', { exitCode: 130 });
    throw err;
  } finally {
    io.input.removeListener('end', onEnd);
    io.input.removeListener('close', onEnd);
    io.input.removeListener('pause', onPause);
  }
}

const pending = { value: false };

async function asked<T>(p: Promise<T>): Promise<T> {
  pending.value = true;
  try {
    return await p;
  } finally {
    pending.value = false;
  }
}

type Select = typeof import('@inquirer/prompts').select;
type Input = typeof import('@inquirer/prompts').input;

async function askEach(open: Checklist['items'], answers: Record<string, Answer>, by: string, io: PromptIO, select: Select, input: Input, signal: AbortSignal): Promise<Record<string, Answer>> {
  for (const item of open) {
    io.output.write(`\n${STATUS_SYMBOL.unconfirmed} ${item.title} [${item.severity}]\n  ${item.detail}\n`);
    const status = await asked(select<Answer['status'] | 'skip'>({
      message: `${item.id}: is this done in production?`,
      choices: [
        { name: 'Done', value: 'done' },
        { name: 'Not done yet', value: 'not-done' },
        { name: 'Does not apply to us', value: 'n/a' },
        { name: 'Skip (ask again next time)', value: 'skip' },
      ],
    }, { input: io.input, output: io.output, signal }));
    if (status === 'skip') continue;
    const note = await asked(input({ message: 'Note (where / how, optional):' }, { input: io.input, output: io.output, signal }));
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
