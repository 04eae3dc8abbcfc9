import type { Rule } from './types.js';
import { pythonMinorsAllowed, safeSatisfies } from './lib/versions.js';

export const rule: Rule = {
  meta: {
    id: 'JC301',
    name: 'python-unsupported-by-target',
    band: 'versions',
    severity: 'error',
    confidence: 'high',
    needsTarget: true,
    title: 'The project\'s Python version is outside what the target Celery supports',
    description: `Each Celery release declares the Python versions it installs on (\`Requires-Python\` in the wheel's metadata) and the ones it is tested on (trove classifiers). pip refuses to install a release whose Requires-Python excludes the interpreter; a version inside Requires-Python but without a classifier installs, but is untested upstream (e.g. 5.6.x installs on 3.14 with only "initial support"). jobctl reads the Python version from requires-python, .python-version, runtime.txt, Poetry/Pipfile, and Dockerfile \`FROM python:X\`.`,
    fix: 'Change the Python version, or choose a target release that supports it.',
    sources: [
      { title: 'Requires-Python and classifiers of each release (wheel METADATA)', ref: 'src/knowledge/data (scripts/gen-release-data.py)' },
      { title: 'Requires-Python and classifiers of each wheel (generated)', ref: 'https://pypi.org/project/celery/#history (METADATA; src/knowledge/data/releases.json)' },
    ],
  },
  check(ctx) {
    const t = ctx.target;
    if (!t) return;
    for (const f of ctx.model.pythonVersions) {
      const minors = pythonMinorsAllowed(f);
      if (minors.length === 0) continue;
      if (f.exact) {
        const version = /^\d+\.\d+$/.test(f.value) ? `${f.value}.0` : f.value;
        const ok = t.requiresPython ? safeSatisfies(version, t.requiresPython) : true;
        if (ok === false) {
          ctx.report({ loc: f.loc, key: f.value, message: `Python ${f.value} (${f.source}) is outside Celery ${t.version}'s Requires-Python \`${t.requiresPython}\`: pip will not install it`, hint: `use a Python that satisfies ${t.requiresPython}` });
        } else if (ok && t.pythonClassifiers.length > 0 && !t.pythonClassifiers.includes(minors[0]!)) {
          ctx.report({ loc: f.loc, key: f.value, severity: 'warning', message: `Python ${f.value} installs with Celery ${t.version} but is not among its tested versions (${t.pythonClassifiers.join(', ')})`, hint: `prefer Python ${t.pythonClassifiers[t.pythonClassifiers.length - 1]}` });
        }
      } else {
        const excluded = minors.filter((m) => t.requiresPython && safeSatisfies(`${m}.99`, t.requiresPython) === false && safeSatisfies(`${m}.0`, t.requiresPython) === false);
        if (excluded.length > 0) {
          ctx.report({ loc: f.loc, key: f.value, message: `\`${f.value}\` (${f.source}) allows Python ${excluded.join(', ')}, which Celery ${t.version} does not install on (Requires-Python \`${t.requiresPython}\`)`, hint: `narrow it to ${t.requiresPython}` });
        }
      }
    }
  },
};
