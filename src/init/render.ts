// `jobctl init`, step 2: the jobctl.yaml text — chosen values, each with where it came from, the
// worker commands found, and a commented smoke.tasks skeleton built from the real task signatures
// (the user fills in arguments and expected results, then uncomments).
import type { InitFacts } from './detect.js';
import { maskUrlCredentials } from '../util/mask.js';

export interface InitChoices {
  app: string | null;
  python: string | null;
  target: string;
}

export function renderInitConfig(facts: InitFacts, choices: InitChoices, sources: { app?: string; python?: string; target?: string }): string {
  const q = (s: string): string => JSON.stringify(s);
  const out: string[] = [
    '# jobctl configuration (https://www.npmjs.com/package/jobctl); written by `jobctl init`.',
    '# `jobctl audit` reads it; so do smoke-test, load-test, verify and upgrade-plan.',
    '',
  ];
  out.push(`# Celery jobctl checks against (${sources.target ?? 'chosen'}${facts.current ? `; the project pins ${facts.current.value} in ${facts.current.source}` : ''})`);
  out.push(`target: ${q(choices.target)}`);
  out.push('# lowest severity that fails `jobctl audit` (error, warning, info)', 'fail-on: error');
  out.push('# accepted legacy findings: `jobctl audit --write-baseline jobctl-baseline.json`, then commit it', '# baseline: jobctl-baseline.json');
  out.push('');
  if (choices.app) out.push(`# the Celery app, as given to \`celery -A\` (${sources.app ?? 'chosen'})`, `app: ${q(choices.app)}`);
  else out.push('# the Celery app, as given to `celery -A` (not found: write it here)', '# app: proj.celery');
  if (choices.python) out.push(`# the project's Python, with Celery installed (${sources.python ?? 'chosen'})`, `python: ${q(choices.python)}`);
  else out.push("# the project's Python (not found; default: $VIRTUAL_ENV, .venv, venv, python3)", '# python: .venv/bin/python');
  if (facts.deployCommands.length > 0) {
    out.push('', '# worker commands found in the deploy files (jobctl audit checks them):');
    for (const c of facts.deployCommands.slice(0, 10)) out.push(`#   ${c.source}: ${oneLine(c.value)}`);
  }
  out.push('', '# Your own tasks, run by `jobctl smoke-test` through the real worker. Fill in arguments and the');
  out.push('# expected result (or `status: FAILURE` + `exc_type`), then uncomment the ones to run.');
  if (facts.tasks.length === 0) {
    out.push('# smoke:', '#   tasks:', '#     - name: proj.tasks.add', '#       args: [2, 3]', '#       expect: 5');
  } else {
    out.push('# smoke:', '#   tasks:');
    for (const t of facts.tasks.slice(0, 50)) {
      out.push(`#     - name: ${t.name}  # ${t.where} (${t.params.join(', ')})`);
      out.push(`#       args: [${t.params.map((p) => `<${p}>`).join(', ')}]`);
      out.push('#       expect: <result>');
    }
    if (facts.tasks.length > 50) out.push(`#     # … ${facts.tasks.length - 50} more tasks`);
  }
  return `${out.join('\n')}\n`;
}

function oneLine(s: string): string {
  const t = maskUrlCredentials(s).replace(/\s+/g, ' ');
  return t.length > 160 ? `${t.slice(0, 157)}...` : t;
}
