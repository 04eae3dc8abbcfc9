// Turning a Python error line into a one-line fix.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Import names whose distribution is called something else. pip installs distributions, so advice
 * must name those (`pip install yaml` installs nothing useful). pkg_resources is not a distribution at
 * all: it ships inside setuptools (setuptools/pkg_resources in the sdist), and recent setuptools
 * releases deprecate it.
 */
const DISTRIBUTION_OF: Record<string, string> = {
  yaml: 'PyYAML', PIL: 'Pillow', cv2: 'opencv-python', sklearn: 'scikit-learn', bs4: 'beautifulsoup4',
  dateutil: 'python-dateutil', jwt: 'PyJWT', MySQLdb: 'mysqlclient', dotenv: 'python-dotenv', magic: 'python-magic',
  Crypto: 'pycryptodome', OpenSSL: 'pyOpenSSL', google: 'the google-* package the import names', attr: 'attrs',
  serial: 'pyserial', psycopg2: 'psycopg2-binary (or psycopg2)', decouple: 'python-decouple', environ: 'django-environ',
  rest_framework: 'djangorestframework', corsheaders: 'django-cors-headers', django_celery_beat: 'django-celery-beat',
  django_celery_results: 'django-celery-results', celery_once: 'celery_once', slugify: 'python-slugify', docx: 'python-docx',
  telegram: 'python-telegram-bot', socks: 'PySocks', kafka: 'kafka-python', memcache: 'python-memcached', ldap: 'python-ldap',
  fitz: 'PyMuPDF', skimage: 'scikit-image', Levenshtein: 'python-Levenshtein', multipart: 'python-multipart',
};

const SKIP_DIRS = new Set(['.git', 'node_modules', '.venv', 'venv', 'env', '.tox', '.mypy_cache', '__pycache__', 'site-packages', 'dist', 'build']);

/** Is `top` a package or module of the project itself (anywhere in its tree, a few levels down)? */
function projectHasModule(root: string, top: string, depth = 4): boolean {
  const walk = (dir: string, d: number): boolean => {
    if (existsSync(path.join(dir, top, '__init__.py')) || existsSync(path.join(dir, `${top}.py`)) || (existsSync(path.join(dir, top)) && statSafe(path.join(dir, top)))) return true;
    if (d === 0) return false;
    let entries: string[] = [];
    try { entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && !SKIP_DIRS.has(e.name) && !e.name.startsWith('.')).map((e) => e.name); } catch { return false; }
    return entries.some((e) => walk(path.join(dir, e), d - 1));
  };
  return walk(root, depth);
}

function statSafe(p: string): boolean {
  try { return statSync(p).isDirectory(); } catch { return false; }
}

/** `root` is the folder the app runs from; `projectRoot` the whole project (searched for its own packages); `app` the -A value. */
export function fixForPythonError(reason: string, root: string, python: string, where: { projectRoot?: string; app?: string } = {}): string {
  const { projectRoot, app } = where;
  const m = /No module named '([^']+)'/.exec(reason);
  if (m) {
    const top = m[1]!.split('.')[0]!;
    // the app module itself is missing: a typo in --app, never an install suggestion for that name
    const appModule = app?.split(':')[0] ?? '';
    if (app !== undefined && (m[1] === app || m[1] === appModule || appModule.startsWith(`${m[1]}.`))) return `module ${m[1]} not found in ${root}; check --app (or jobctl.yaml \`app\`) and the project folder`;
    // a module of the project itself: the import is wrong, not the environment
    if (projectHasModule(root, top) || (projectRoot !== undefined && projectRoot !== root && projectHasModule(projectRoot, top))) return `fix the import (${m[1]} is not in the project as imported) or check --app and the project folder (the worker runs from ${root})`;
    if (top === 'pkg_resources') return `pkg_resources is part of setuptools, not a package of its own, and setuptools 82.0.0 no longer ships it: install \`setuptools<82\` into ${python}'s environment (a Dockerfile's unpinned \`pip install --upgrade setuptools\` gets a release without it), or upgrade the library that imports pkg_resources (importlib.metadata replaces it)`;
    const dist = DISTRIBUTION_OF[top];
    if (dist) return `install ${dist} into ${python}'s environment (the module ${top} comes from it) or pass --python with the project's interpreter`;
    return `install the distribution that provides ${top} into ${python}'s environment (often \`pip install ${top}\`) or pass --python with the project's interpreter`;
  }
  if (/VersionMismatch: Redis transport requires redis-py/.test(reason)) return `kombu's Redis transport refuses the installed redis-py (an unpinned kombu came in newer than your Celery release shipped with): pin kombu to your Celery's line or raise redis-py; \`jobctl audit\` (JC306) proposes a fix checked to install and run`;
  const notFound = /DistributionNotFound: The '([^']+)' distribution was not found/.exec(reason);
  if (notFound) {
    // pkg_resources of an old setuptools (65.5, what `python -m venv` bundles on 3.10/3.11) does not match a
    // distribution whose metadata folder has the normalised name newer build tools write (zope_interface-8.6.dist-info)
    return `pkg_resources (setuptools) did not find ${notFound[1]}: if \`pip show ${notFound[1]}\` in ${python}'s environment finds it, that environment's setuptools is too old to read its metadata (setuptools 65.5-75.0 do not match a normalised \`${notFound[1]!.replace(/[-.]+/g, '_')}-*.dist-info\`): \`pip install "setuptools>=76,<82"\` before the requirements (82.0.0 drops pkg_resources); otherwise install ${notFound[1]}`;
  }
  if (/DistributionNotFound|VersionConflict|VersionMismatch/.test(reason)) return `the installed packages do not match what the app or its plugins require: reinstall the project's requirements into ${python}'s environment`;
  return 'fix the error, or check --app and the project folder';
}

/**
 * The reason an app did not import, from the last stderr line of a jobctl Python helper
 * (templates/python/jobctl_app_errors.py writes {"error", "where"}); plain text is taken as is.
 */
export function importFailureReason(stderr: string, exitCode: number | undefined): string {
  const last = stderr.trim().split('\n').pop() || `exit ${exitCode ?? '?'}`;
  try {
    const j = JSON.parse(last) as { error?: unknown; where?: unknown };
    // one line: a pydantic ValidationError's message spans several ("1 validation error for Settings\nbroker_url\n  field required")
    const error = typeof j.error === 'string' ? j.error.split('\n').map((l) => l.trim()).filter(Boolean).join(' — ') : null;
    if (error !== null) return typeof j.where === 'string' && j.where ? `${error} (at ${j.where})` : error;
  } catch { /* plain text */ }
  return last;
}
