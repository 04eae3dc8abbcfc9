// What the user's image does to the packaging tools before it installs the requirements, so a
// rehearsal venv gets the same: `python -m venv` bundles the setuptools of the interpreter's ensurepip
// (65.5 on 3.10/3.11, none from 3.12), while a Dockerfile's `pip install --upgrade pip setuptools`
// step gets the newest release. The difference decides whether a worker starts: gevent 22.10's
// plugin loader (gevent/events.py, pkg_resources.iter_entry_points + load()) checks gevent's
// requirements through pkg_resources, which in setuptools 65.5 (and still 75.0.0) does not find
// zope.interface 8's normalised `zope_interface-8.6.dist-info` (DistributionNotFound), and
// setuptools 82.0.0 no longer ships pkg_resources at all (ModuleNotFoundError) — measured, see
// docs/evidence/setuptools-in-venvs.txt. pip itself is left as the venv has it: Celery 4.x/5.0.x
// venvs need pip < 24.1 to install at all.
import path from 'node:path';
import type { ProjectModel } from '../model/types.js';
import { dockerfileInstructions } from '../model/integrations/dockerfile.js';

export interface ImageSetup {
  /** pip arguments, run in the venv before the requirements: ['--upgrade', 'setuptools'] */
  args: string[];
  /** Dockerfile:line it comes from */
  from: string;
  /** the pip command as written there */
  command: string;
}

const PIP = /^(?:\S*\/)?(?:pip3?(?:\.\d+)?|python3?(?:\.\d+)?\s+-m\s+pip)\s+install\b/;

/** the setuptools step of one shell command: `pip install --upgrade pip wheel setuptools`, `pip install "setuptools<82"` */
export function setuptoolsStep(command: string): string[] | null {
  const c = command.trim();
  if (!PIP.test(c)) return null;
  const words = c.replace(PIP, '').trim().split(/\s+/).map((w) => w.replace(/^["']|["']$/g, ''));
  if (words.some((w) => w === '-r' || w.startsWith('--requirement') || w === '-e')) {
    // a requirements install: setuptools there is the project's own line, which pip -r installs anyway
    return null;
  }
  const spec = words.find((w) => /^setuptools(\s*[<>=!~].*)?$/i.test(w));
  if (!spec) return null;
  const upgrade = words.some((w) => w === '-U' || w === '--upgrade' || /^-[a-zA-Z]*U/.test(w));
  return [...(upgrade ? ['--upgrade'] : []), spec];
}

/**
 * The setuptools step of the Dockerfile that installs these requirement files (the one that copies or
 * `pip install -r`s one of them; a project's only Dockerfile otherwise). null: none, or not decidable.
 */
export function imageSetup(model: ProjectModel, requirementFiles: string[]): ImageSetup | null {
  const dockerfiles = model.files.filter((f) => f.kind === 'dockerfile');
  // the file's path as the build context sees it, else its name (`COPY requirements.txt .` next to it)
  const byPath = dockerfiles.filter((d) => requirementFiles.some((f) => d.text.includes(f) && f.includes('/')));
  const byName = dockerfiles.filter((d) => requirementFiles.some((f) => d.text.includes(path.basename(f))));
  const chosen = byPath.length > 0 ? byPath : byName.length > 0 ? byName : dockerfiles.length === 1 ? dockerfiles : [];
  const steps: ImageSetup[] = [];
  for (const d of chosen) {
    for (const ins of dockerfileInstructions(d.text)) {
      const m = /^RUN\s+(.*)$/i.exec(ins.text);
      if (!m) continue;
      for (const command of m[1]!.split(/&&|;|\|\|/)) {
        const args = setuptoolsStep(command);
        if (args) steps.push({ args, from: `${d.file}:${ins.line}`, command: command.trim() });
      }
    }
  }
  // two images that disagree: no guess
  const distinct = new Set(steps.map((s) => s.args.join(' ')));
  return distinct.size === 1 ? steps[0]! : null;
}
