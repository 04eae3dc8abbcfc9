// The values an environment variable gets from the project: os.environ.setdefault in the code and the
// deploy files' env assignments (Dockerfile ENV, compose, .env, systemd …). Several may exist; each is a
// candidate the worker may run with.
import type { EnvAssignment } from '../types.js';

export interface EnvCandidate {
  value: string;
  /** where it is set, for messages: "Dockerfile:4", "os.environ.setdefault in proj/celery.py:5" */
  by: string;
}

/** Distinct usable values of `name` (shell defaults `${X:-v}` give v; other templated values are skipped). */
export function envCandidates(name: string, env: EnvAssignment[]): EnvCandidate[] {
  const out: EnvCandidate[] = [];
  for (const e of env) {
    if (e.key !== name) continue;
    let value = e.value.trim().replace(/^['"]|['"]$/g, '');
    const dflt = /^\$\{[A-Za-z_]\w*:?-([^}]*)\}$/.exec(value);
    if (dflt) value = dflt[1]!;
    if (!value || /[${}]/.test(value)) continue;
    if (out.some((c) => c.value === value)) continue;
    const by = e.source === 'python' ? `os.environ.setdefault in ${e.file}:${e.loc.line}` : `${e.file}:${e.loc.line}`;
    out.push({ value, by });
  }
  return out;
}

/** A value from a cookiecutter/Jinja template: `{{ project_slug }}.settings`, or the name the template reader puts in its place. */
export function templated(value: string): boolean {
  return /\{\{|\{%|jobctl_template_value/.test(value);
}
