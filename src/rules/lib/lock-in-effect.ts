// Does the project's lock file govern what its image installs? A Dockerfile that copies only the manifest
// (`COPY pyproject.toml .`) and then installs (`poetry install`, `uv pip install -r pyproject.toml`, `pip install .`)
// resolves every range afresh at build time: the committed lock is not what runs there. Read from the Dockerfile's
// own lines (COPY/ADD sources, the first RUN that installs), conservatively: any doubt means "the lock is used".
import type { Dependency, ProjectModel } from '../../model/types.js';
import { isDevOnlyFile } from './secrets.js';
import { dockerfileInstructions } from '../../model/integrations/dockerfile.js';

export interface LockBypass {
  /** the Dockerfile and line of the install that runs without the lock */
  where: string;
  /** the install command as written (whitespace collapsed) */
  command: string;
  /** why: the lock is not in the image at that point, or the installer does not read it */
  why: 'not copied' | 'not read';
  lock: string;
}

/** installers that read a lock file of theirs, when it is there */
const USES_LOCK: Record<string, RegExp> = {
  'poetry.lock': /\bpoetry\s+(install|sync)\b/,
  'uv.lock': /\buv\s+sync\b/,
  'Pipfile.lock': /\bpipenv\s+(install|sync)\b/,
  'pdm.lock': /\bpdm\s+(install|sync)\b/,
};
const INSTALLS = /\b(uv\s+pip\s+sync|pip-sync)\b|\bpip3?\s+install\b(?![^&;|]*\s(-U\s+|--upgrade\s+)?(pip|setuptools|wheel|poetry|uv|pipenv|pdm)(\s|$|[&;|]))|\bpoetry\s+(install|sync)\b|\buv\s+(sync|pip\s+install)\b|\bpipenv\s+(install|sync)\b|\bpdm\s+(install|sync)\b/;

/**
 * The committed lock `lock` (a Dependency with isLock) is bypassed by every Dockerfile of the project that installs
 * Python dependencies: each copies no lock (and not the whole context) before its install, or installs with a command
 * that ignores locks. null when no Dockerfile installs, or one of them may use the lock.
 */
export function lockBypassedByDockerfiles(model: ProjectModel, lock: Dependency): LockBypass | null {
  const lockName = lock.file.split('/').pop()!;
  const readsLock = USES_LOCK[lockName];
  // every committed lock that pins the same package counts: readthedocs compiles requirements/deploy.txt and
  // requirements/docker.txt, and its image copies docker.txt and runs `uv pip sync docker.txt`
  const lockNames = [...new Set([lockName, ...model.dependencies.filter((d) => d.name === lock.name && d.isLock).map((d) => d.file.split('/').pop()!)])];
  let first: LockBypass | null = null;
  for (const f of model.files) {
    if (f.kind !== 'dockerfile' || isDevOnlyFile(f.file)) continue;
    const r = installWithoutLock(f.text, lockNames, readsLock);
    if (r === 'uses') return null;
    if (r !== 'none') first ??= { where: `${f.file}:${r.line}`, command: r.command, why: r.copied ? 'not read' : 'not copied', lock: lock.file };
  }
  return first;
}

/** how one Dockerfile's first dependency install treats the lock: 'uses' it, 'none' (no install), or the bypassing RUN */
function installWithoutLock(text: string, lockNames: string[], readsLock: RegExp | undefined): 'uses' | 'none' | { line: number; command: string; copied: boolean } {
  let copied = false;
  for (const ins of dockerfileInstructions(text)) {
    const m = /^(COPY|ADD)\s+(.*)$/i.exec(ins.text);
    if (m) {
      // JSON form is not read: assume it may copy the lock
      if (/^\[/.test(m[2]!.trim())) { copied = true; continue; }
      const sources = m[2]!.split(/\s+/).filter((w) => !w.startsWith('--')).slice(0, -1);
      if (sources.some((src) => lockNames.some((n) => mayHoldLock(src, n)))) copied = true;
      continue;
    }
    if (!/^RUN\s/i.test(ins.text)) continue;
    // RUN --mount=type=bind,source=uv.lock,target=uv.lock
    if (/--mount=\S*\b(source|src)=/.test(ins.text) && lockNames.some((n) => ins.text.includes(n))) copied = true;
    if (!INSTALLS.test(ins.text)) continue;
    // `pip-sync` / `uv pip sync` install exactly a compiled requirements file, never a range
    if (copied && (!readsLock || readsLock.test(ins.text) || /\b(uv\s+pip\s+sync|pip-sync)\b/.test(ins.text))) return 'uses';
    return { line: ins.line, command: ins.text.replace(/^RUN\s+(--\S+\s+)*/i, '').replace(/\s+/g, ' ').trim().replace(/^(.{100}\S*)\s.+$/, '$1 …'), copied };
  }
  return 'none';
}

/** a COPY source that is, or may contain, the lock: the context (`.`), a folder, the lock's name or a glob matching it */
function mayHoldLock(src: string, lockName: string): boolean {
  const base = src.replace(/\/+$/, '').split('/').pop() ?? '';
  if (src === '.' || src === './' || src.endsWith('/') || base === '' || !/\.[A-Za-z]+\*?$/.test(base)) return true;
  if (base === lockName) return true;
  if (base.includes('*') || base.includes('?')) return new RegExp(`^${base.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(lockName);
  return false;
}
