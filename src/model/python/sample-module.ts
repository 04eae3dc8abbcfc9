// `from keys import *` where keys.py is kept out of the repository (git-ignored, mounted at deploy time) but its
// sample is committed (keys.py.template, local_settings.py.example, …). The sample shows which names the real file
// defines; when none of them can be a Celery setting (passwords, API keys, database hosts), the star import is no
// unread source of Celery settings. A sample that defines a Celery-looking name leaves the import unread.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const SUFFIXES = ['.template', '.example', '.sample', '.dist', '.tmpl', '.tpl', '.default', '.orig'];
/** Celery settings, new (lower-case) and old/namespaced (upper-case), as a module-level name could spell them */
const CELERY_NAME = /^(CELERY|CELERYD|CELERYBEAT|CELERYMON|BROKER|celery|broker|task|worker|result|beat|imports|include|timezone|enable_utc|accept_content)(_|$)/;

/** The committed sample of a star-imported module missing from the project, with the names it defines; null when none. */
export function sampleOfMissingModule(root: string, module: string, importerFile: string): { file: string; names: string[] } | null {
  const rel = module.replace(/\./g, '/');
  const dirs = [...new Set(['', path.posix.dirname(importerFile) === '.' ? '' : path.posix.dirname(importerFile)])];
  for (const dir of dirs) {
    const base = path.posix.join(dir, rel);
    for (const name of [...SUFFIXES.map((s) => `${base}.py${s}`), `${base}.example.py`, `${base}_example.py`, `${base}.template.py`, `${base}_template.py`]) {
      const abs = path.join(root, name);
      if (!existsSync(abs)) continue;
      let text: string;
      try {
        text = readFileSync(abs, 'utf8');
      } catch {
        continue;
      }
      const names = [...text.matchAll(/^([A-Za-z_]\w*)[ \t]*(?::[^=\n]*)?=(?!=)/gm)].map((m) => m[1]!);
      return { file: name, names };
    }
  }
  return null;
}

/** Whether the sample shows the real module holds no Celery setting. */
export function sampleHoldsNoCelerySettings(sample: { names: string[] }): boolean {
  return !sample.names.some((n) => CELERY_NAME.test(n));
}
