// The Pythons a project tests and declares besides what the model reads (Dockerfile FROM, .python-version,
// requires-python): CI matrices (.github/workflows, .gitlab-ci.yml, .travis.yml), tox envlists and trove
// classifiers. A version the target no longer installs on must leave those lists too, or CI breaks on the
// upgrade. Read here (I/O) and handed to the pure planner.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';

export interface TestedPython {
  /** '3.6' */
  minor: string;
  file: string;
  line: number;
  kind: 'ci-matrix' | 'tox' | 'classifier';
}

const MINOR = /\b(3\.\d{1,2})(?:\.\d+)?\b/g;

function linesOf(root: string, rel: string): string[] | null {
  const p = path.join(root, rel);
  try {
    return readFileSync(p, 'utf8').split(/\r?\n/);
  } catch {
    return null;
  }
}

export function testedPythons(root: string): TestedPython[] {
  const out: TestedPython[] = [];
  const push = (minor: string, file: string, line: number, kind: TestedPython['kind']): void => {
    if (!out.some((t) => t.minor === minor && t.file === file && t.line === line)) out.push({ minor, file, line, kind });
  };
  const ci: string[] = [];
  const wf = path.join(root, '.github', 'workflows');
  if (existsSync(wf)) for (const f of readdirSync(wf)) if (/\.ya?ml$/.test(f)) ci.push(`.github/workflows/${f}`);
  for (const f of ['.gitlab-ci.yml', '.travis.yml']) if (existsSync(path.join(root, f))) ci.push(f);
  for (const file of ci) {
    const lines = linesOf(root, file) ?? [];
    let inList = false;
    lines.forEach((l, i) => {
      // python-version: [ '3.6.8', '3.7' ]  |  python: ["3.8"]  |  python-version:\n  - "3.9"
      const key = /^\s*-?\s*(python-version|python|PYTHON_VERSION)\s*:\s*(.*)$/.exec(l);
      if (key) {
        inList = key[2]!.trim() === '';
        if (!key[2]!.includes('${{')) for (const m of key[2]!.matchAll(MINOR)) push(m[1]!, file, i + 1, 'ci-matrix');
        return;
      }
      if (inList) {
        const item = /^\s*-\s*['"]?(3\.\d{1,2})/.exec(l);
        if (item) push(item[1]!, file, i + 1, 'ci-matrix');
        else if (l.trim() !== '') inList = false;
      }
    });
  }
  const tox = linesOf(root, 'tox.ini');
  tox?.forEach((l, i) => {
    if (!/^\s*envlist\s*=/.test(l) && !/^\s*py3\d/.test(l)) return;
    for (const m of l.matchAll(/\bpy3(\d{1,2})\b/g)) push(`3.${m[1]}`, 'tox.ini', i + 1, 'tox');
  });
  for (const file of ['setup.py', 'setup.cfg', 'pyproject.toml']) {
    linesOf(root, file)?.forEach((l, i) => {
      const m = /Programming Language :: Python :: (3\.\d{1,2})\b/.exec(l);
      if (m) push(m[1]!, file, i + 1, 'classifier');
    });
  }
  return out;
}
