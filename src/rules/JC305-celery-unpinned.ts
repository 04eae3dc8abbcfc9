import type { Rule } from './types.js';
import { lockBypassedByDockerfiles } from './lib/lock-in-effect.js';

export const rule: Rule = {
  meta: {
    id: 'JC305',
    name: 'celery-unpinned',
    band: 'versions',
    severity: 'info',
    confidence: 'medium',
    title: 'Celery required without an upper bound and without a lock file',
    description: 'A requirement like `celery` or `celery>=5.3` with no lock file lets every fresh install pick the newest release, including a new major (Celery 6 removes the old setting names, for one). The upgrade then happens at deploy time, unreviewed. A committed lock only helps where it is installed from: a Dockerfile that copies just `pyproject.toml` and runs `poetry install` / `uv pip install -r pyproject.toml` / `pip install .` resolves the range afresh on every build, and is reported too.',
    fix: 'Pin celery (`celery==5.6.3` or `celery>=5.6,<5.7`) or commit a lock file (pip-compile, uv, Poetry).',
    sources: [{ title: 'Old setting names removed in 6.0', ref: 'celery@v5.6.3:docs/userguide/configuration.rst (New lowercase settings)' }],
  },
  check(ctx) {
    const lock = ctx.model.dependencies.find((d) => d.name === 'celery' && d.isLock);
    // a committed lock governs installs — unless every Dockerfile installs without it (copies only the manifest)
    const bypass = lock ? lockBypassedByDockerfiles(ctx.model, lock) : null;
    if (lock && !bypass) return;
    // a pip-compiled output under another name (requirements/base.pip compiled from base.in, without the usual
    // header) or a constraints file (`pip install -c constraints.txt`) pinning celery is what gets installed
    if (ctx.model.dependencies.some((d) => d.name === 'celery' && d.version !== null && /\.pip$|(^|[/_.-])constraints?[^/]*$/i.test(d.file))) return;
    for (const d of ctx.model.dependencies) {
      if (d.name !== 'celery' || d.isLock) continue;
      const spec = d.specifier.replace(/\s/g, '');
      const bounded = /(==|~=|<|\^|~(?!=))/.test(spec) || d.version !== null;
      if (bounded) continue;
      if (bypass) {
        ctx.report({ loc: d.loc, key: d.file, message: `celery is required as \`${d.rawName}${d.specifier}\` with no upper bound, and the image does not install from ${bypass.lock}: ${bypass.where} runs \`${bypass.command}\`${bypass.why === 'not copied' ? ' without it (the Dockerfile copies no lock before it)' : `, which does not read ${bypass.lock.split('/').pop()}`}, so every image build takes whatever is newest`, hint: `copy ${bypass.lock} into the image and install from it (\`poetry install\` / \`uv sync --locked\`), or bound the requirement` });
        continue;
      }
      ctx.report({ loc: d.loc, key: d.file, message: `celery is required as \`${d.rawName}${d.specifier}\` with no upper bound and no lock file: a fresh install takes whatever is newest`, hint: 'pin it or commit a lock file' });
    }
  },
};
