// `jobctl init` in a terminal: confirm or pick what was detected, type what was not. Prompts go to
// stderr (stdout stays for --json); only called when canPrompt() holds.
import type { InitFacts } from './detect.js';
import type { InitChoices } from './render.js';

export async function askInitChoices(facts: InitFacts, sources: { app?: string; python?: string; target?: string }): Promise<InitChoices> {
  const { select, input } = await import('@inquirer/prompts');
  const io = { input: process.stdin, output: process.stderr };
  let app: string | null;
  if (facts.apps.length === 1) {
    app = await input({ message: 'Celery app (the -A value):', default: facts.apps[0]!.value }, io);
    sources.app = app === facts.apps[0]!.value ? `detected in ${facts.apps[0]!.source}` : 'given in jobctl init';
  } else if (facts.apps.length > 1) {
    app = await select({ message: 'Which Celery app runs your workers (-A)?', choices: facts.apps.map((a) => ({ name: `${a.value}  (${a.source})`, value: a.value })) }, io);
    sources.app = `chosen in jobctl init from ${facts.apps.find((a) => a.value === app)!.source}`;
  } else {
    app = (await input({ message: 'Celery app, as given to `celery -A` (empty: fill in later):' }, io)).trim() || null;
    if (app) sources.app = 'given in jobctl init';
  }
  let python: string | null;
  if (facts.python) {
    python = await input({ message: `Python with Celery installed${facts.pythonHasCelery ? ` (found Celery ${facts.pythonHasCelery})` : ''}:`, default: facts.python.value }, io);
    sources.python = python === facts.python.value ? `found: ${facts.python.source}` : 'given in jobctl init';
  } else {
    python = (await input({ message: "The project's Python (path to the interpreter with Celery installed; empty: default lookup):" }, io)).trim() || null;
    if (python) sources.python = 'given in jobctl init';
  }
  const lines = [...facts.knownLines].reverse();
  const target = await select({ message: 'Celery version to check against (target):', choices: lines.map((l) => ({ name: l === facts.newestLine ? `${l} (newest)` : l, value: l })), default: facts.newestLine }, io);
  sources.target = target === facts.newestLine ? 'the newest release jobctl knows' : 'chosen in jobctl init';
  return { app, python, target };
}
