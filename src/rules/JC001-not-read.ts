import { isTestFile } from './lib/settings.js';
import type { Rule } from './types.js';

function isBuiltAsset(file: string): boolean {
  return /(^|\/)(static|staticfiles|assets|public|dist|build|vendor|node_modules|\.yarn)\//.test(file) && /\.(c?js|mjs|css|map|svg|html?|json|wasm)$/i.test(file)
    || /\.min\.(js|css)$/i.test(file);
}

export const rule: Rule = {
  meta: {
    id: 'JC001',
    name: 'not-read',
    band: 'reading',
    severity: 'warning',
    confidence: 'high',
    title: 'A source of the project\'s Celery config or tasks could not be read: nothing in it was checked',
    description: `jobctl found a reference to something the workers use — a config module chosen by an environment variable, a base class from an installed package, a config object built at run time, a file that does not parse — but could not read it. Nothing in that source was checked, and rules that report a *missing* setting (no time limit, retry on startup unset, no concurrency …) stay silent about the app it configures: an unread setting is not an absent one.

The finding exists so that a CI gate does not go green on a project jobctl could only partly read.`,
    fix: 'Make the source readable from the repository (set the env var\'s default in code, Dockerfile `ENV` or compose; commit the config module; use a literal module path), or exclude the path in jobctl.yaml / suppress with `# jobctl: ignore[JC001]` after checking it by hand.',
    examples: {
      bad: "app = Celery('proj')\napp.config_from_envvar('CELERY_CONFIG_MODULE')  # no default anywhere in the repository",
      good: "os.environ.setdefault('CELERY_CONFIG_MODULE', 'proj.celeryconfig')\napp = Celery('proj')\napp.config_from_envvar('CELERY_CONFIG_MODULE')",
    },
    sources: [
      { title: 'Celery: Celery.config_from_envvar reads the module named by the variable at start-up', ref: 'celery@v5.6.3:celery/app/base.py' },
      { title: 'Celery docs, Application: Configuration (config_from_object, config_from_envvar)', ref: 'celery@v5.6.3:docs/userguide/application.rst' },
    ],
  },
  check(ctx) {
    for (const u of ctx.model.unread) {
      // a file too large to read that cannot configure workers: a test file (a recorded HTTP cassette), a built or
      // vendored front-end asset (a minified bundle under static/, .yarn/releases, dist/)
      if (u.what === u.file && (isTestFile(u.file) || isBuiltAsset(u.file))) continue;
      // settings a test builds at run time (`app.conf.update(original)` restoring a fixture's app): test settings are not
      // the production config (effectiveSettings skips them too), so what they hold is not a worker's config left unchecked
      if (u.holds === 'config' && u.what.startsWith('settings passed to') && isTestFile(u.file)) continue;
      const loc = u.loc ?? { file: u.file, line: 1, column: 1 };
      ctx.report({ loc, key: `${u.what}\0${u.reason}`, message: `${u.what}: ${u.reason} — nothing in it was checked`, hint: 'make it readable from the repository, or check it by hand' });
    }
  },
};
