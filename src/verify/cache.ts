// Throwaway virtualenvs for verify, cached between runs and keyed by everything that goes into
// them (Celery version, the requirement lines, the base interpreter). They live outside the
// project (never touching the user's files or environment) and are built in a temporary folder
// that is renamed into place only when the install succeeded — an interrupted build can never
// leave a half-built venv that the next run would trust.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { runInGroup } from './exec.js';
import { JobctlError } from '../util/errors.js';

export { cacheRoot } from '../util/cache-dir.js';
import { cacheRoot } from '../util/cache-dir.js';

export interface VenvSpec {
  /** what the venv is for, used in its folder name: 'celery-5.7.0' */
  label: string;
  /** requirement lines passed to pip */
  requirements: string[];
  /** base interpreter that creates the venv */
  basePython: string;
  /** installed after the requirements, in a separate pip call, so they never change what the project's own lines resolve to */
  harness?: string[];
  /** a pip constraints file (`-c FILE`) for the requirements install */
  constraint?: string;
  /** pip arguments run before the requirements, as the user's image does (`--upgrade setuptools`; src/verify/image-setup.ts) */
  setup?: string[];
  /** where `setup` comes from, for the evidence (not part of the key) */
  setupFrom?: string;
}

export interface Venv {
  dir: string;
  python: string;
  key: string;
  /** true when it came from the cache */
  cached: boolean;
  /** after `setup`: what it installed and why ('setuptools 80.9.0, as Dockerfile:4 does') */
  setupResult?: string;
}

export function venvKey(spec: VenvSpec, basePythonVersion: string): string {
  const h = createHash('sha256');
  h.update(`${basePythonVersion}\n${[...spec.requirements].sort().join('\n')}`);
  if (spec.harness?.length) h.update(`\nharness:${[...spec.harness].sort().join(',')}`);
  if (spec.setup?.length) h.update(`\nsetup:${spec.setup.join(' ')}`);
  if (spec.constraint) h.update(`\nconstraint:${existsSync(spec.constraint) ? readFileSync(spec.constraint, 'utf8') : spec.constraint}`);
  return `${spec.label}-${h.digest('hex').slice(0, 12)}`;
}

/** Python version string of an interpreter (3.11.7), or a one-line error. */
export async function pythonVersionOf(python: string): Promise<string> {
  const r = await execa(python, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { reject: false, timeout: 20_000, stdin: 'ignore' });
  if (r.exitCode !== 0 || typeof r.stdout !== 'string') throw new JobctlError(`${python}: does not run; pass a Python 3 interpreter installed on this machine (--base-python, --python-current, --python-target)`);
  return r.stdout.trim();
}

/** Remove build folders left by interrupted runs (older than an hour). */
function sweep(dir: string): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    if (!name.includes('.building-')) continue;
    const p = path.join(dir, name);
    try {
      if (Date.now() - statSync(p).mtimeMs > 3_600_000) rmSync(p, { recursive: true, force: true });
    } catch { /* another run's, or gone */ }
  }
}

export async function ensureVenv(spec: VenvSpec, opts: { signal?: AbortSignal; env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {}): Promise<Venv> {
  const root = path.join(cacheRoot(opts.env), 'venvs');
  mkdirSync(root, { recursive: true });
  sweep(root);
  const key = venvKey(spec, await pythonVersionOf(spec.basePython));
  const dir = path.join(root, key);
  const python = path.join(dir, 'bin', 'python');
  const setupFile = path.join(dir, '.jobctl-setup');
  // the version installed is the venv's; where the step comes from is this run's (a cached venv may have been built for another Dockerfile with the same step)
  const setupResult = (): { setupResult?: string } => (spec.setup?.length && existsSync(setupFile)
    ? { setupResult: `${/^setuptools \S+/.exec(readFileSync(setupFile, 'utf8'))?.[0] ?? 'setuptools (version unknown)'} installed first (pip install ${spec.setup.join(' ')}), as ${spec.setupFrom ?? "the image's Dockerfile"} does` } : {});
  if (existsSync(path.join(dir, '.jobctl-ready')) && existsSync(python)) return { dir, python, key, cached: true, ...setupResult() };

  const building = `${dir}.building-${process.pid}-${Date.now()}`;
  const cleanup = (): void => rmSync(building, { recursive: true, force: true });
  try {
    opts.log?.(`creating a venv for ${spec.label} (${spec.requirements.length} requirements; cached for next runs)`);
    const venv = await runInGroup(spec.basePython, ['-m', 'venv', building], { ...(opts.signal ? { signal: opts.signal } : {}) });
    if (opts.signal?.aborted) throw new JobctlError('interrupted while creating the venv');
    if (venv.exitCode !== 0) throw new JobctlError(`could not create a venv with ${spec.basePython} (${String(venv.stderr).trim().split('\n').pop()}); install python3-venv`);
    if (spec.setup?.length) {
      // the image's own step before `pip install -r` (a Dockerfile's `pip install --upgrade setuptools`)
      const st = await runInGroup(path.join(building, 'bin', 'python'), ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-q', ...spec.setup], {
        timeout: 10 * 60_000, ...(opts.signal ? { signal: opts.signal } : {}),
      });
      if (opts.signal?.aborted) throw new JobctlError('interrupted while installing');
      if (st.exitCode !== 0) throw new PipInstallError(`pip could not run the image's setup step (pip install ${spec.setup.join(' ')}) for ${spec.label}`, String(st.all ?? '').trim().split('\n').slice(-4));
      const v = await runInGroup(path.join(building, 'bin', 'python'), ['-c', 'import importlib.metadata as m; print(m.version("setuptools"))'], {});
      writeFileSync(path.join(building, '.jobctl-setup'), `${v.exitCode === 0 ? `setuptools ${String(v.stdout).trim()}` : 'setuptools (version unknown)'}\n`);
    }
    const reqFile = path.join(building, 'jobctl-requirements.txt');
    writeFileSync(reqFile, `${spec.requirements.join('\n')}\n`);
    const constraint = spec.constraint ? ['-c', path.resolve(spec.constraint)] : [];
    const pip = await runInGroup(path.join(building, 'bin', 'python'), ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-q', '-r', reqFile, ...constraint], {
      timeout: 20 * 60_000, ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if (opts.signal?.aborted) throw new JobctlError('interrupted while installing');
    if (pip.exitCode !== 0) {
      const lines = String(pip.all ?? '').trim().split('\n').filter((l) => /error|conflict|requested|depends/i.test(l)).slice(-8);
      throw new PipInstallError(`pip could not install the requirements for ${spec.label}`, lines);
    }
    if (spec.harness?.length) {
      const h = await runInGroup(path.join(building, 'bin', 'python'), ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-q', ...spec.harness], {
        timeout: 10 * 60_000, ...(opts.signal ? { signal: opts.signal } : {}),
      });
      if (opts.signal?.aborted) throw new JobctlError('interrupted while installing');
      if (h.exitCode !== 0) throw new PipInstallError(`pip could not add jobctl's harness (${spec.harness.join(', ')}) for ${spec.label}`, String(h.all ?? '').trim().split('\n').slice(-4));
    }
    writeFileSync(path.join(building, '.jobctl-ready'), `${spec.requirements.join('\n')}\n`);
    try {
      renameSync(building, dir);
    } catch {
      // another run finished the same venv first: use theirs
      cleanup();
      if (!existsSync(path.join(dir, '.jobctl-ready'))) throw new JobctlError(`could not move the venv into ${dir}`);
    }
    // a venv's scripts hard-code its folder: pip, celery and pytest are run as `python -m …`, which does not care
    return { dir, python, key, cached: false, ...setupResult() };
  } catch (err) {
    cleanup();
    throw err;
  }
}

export class PipInstallError extends JobctlError {
  constructor(message: string, public readonly details: string[]) {
    super(`${message}${details.length ? `: ${details.join(' | ')}` : ''}`);
  }
}
