// Where Celery config gets read: discover the project's files, then hand each to the Python reader
// (src/model/python) or to the integration that matches it (src/model/integrations). The result is one
// ProjectModel that every command shares.
import { promises as fs, accessSync, readdirSync, readFileSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ProjectModel, SourceFileInfo } from './types.js';
import { integrations } from './integrations/index.js';
import { readIntegrations } from './integrations/run.js';
import { templatedPythonView } from './integrations/template.js';
import { readPython, type ReadPythonOptions } from './python/index.js';
import { FactCache, noteCacheStats } from './python/fact-cache.js';
import { pythonParserLoaded } from './python/parser.js';
import { isTypeScriptInput, readTypeScript, typeScriptKind, usesJobClient } from './typescript/index.js';
import { JobctlError } from '../util/errors.js';

const execFileAsync = promisify(execFile);

/** Folders never worth reading: installed packages, VCS data, caches, build output. */
const SKIP_DIRS = new Set([
  '.git', '.hg', '.svn', 'node_modules', '__pycache__', '.mypy_cache', '.pytest_cache', '.ruff_cache', '.tox', '.nox',
  '.venv', 'venv', '.env.d', 'site-packages', 'dist', 'build', '.eggs', '.cache', '.idea', '.vscode', 'htmlcov', '.next',
]);
const MAX_FILE_BYTES = 2 * 1024 * 1024;
const MAX_FILES = 200_000;

export interface BuildOptions {
  /** extra glob-free path prefixes (relative) to skip, from jobctl config `exclude` */
  exclude?: string[];
  /**
   * Use the per-file fact cache between runs (src/model/python/fact-cache.ts), in jobctl's cache folder. Commands
   * turn it on (off with --no-cache or JOBCTL_NO_CACHE=1); library callers get a read that writes nothing.
   */
  cache?: boolean;
  /** options of the Python reader (parse threads, read-all); the cache is chosen by `cache` */
  python?: Omit<ReadPythonOptions, 'cache'>;
}

const timingsByModel = new WeakMap<ProjectModel, Record<string, number>>();

/** How long each phase of building this model took (ms): discover, read, python, integrations. */
export function modelTimings(model: ProjectModel): Record<string, number> {
  return timingsByModel.get(model) ?? {};
}

export async function buildProjectModel(rootArg: string, opts: BuildOptions = {}): Promise<ProjectModel> {
  const t0 = performance.now();
  const root = path.resolve(rootArg);
  let st;
  try {
    st = await fs.stat(root);
  } catch {
    throw new JobctlError(`${rootArg}: no such directory; pass the path of a project (e.g. \`jobctl audit .\`)`, { file: rootArg });
  }
  if (!st.isDirectory()) throw new JobctlError(`${rootArg}: not a directory; pass the project's folder, not a file`, { file: rootArg });

  const model: ProjectModel = {
    root, files: [], apps: [], configSources: [], tasks: [], functions: [], dependencies: [], pythonVersions: [],
    workerCommands: [], envFiles: [], composeServices: [], redisConfs: [], notes: [], envAssignments: [], unread: [],
  };
  const gitTracked = await listGitTracked(root);
  const rels = walk(root, opts.exclude ?? [], model);
  const tDiscovered = performance.now();

  const python: SourceFileInfo[] = [];
  const typescript: SourceFileInfo[] = [];
  const pending: { info: SourceFileInfo; integ: (typeof integrations)[number][] }[] = [];
  // which files matter is known from their names; read those, then handle them in path order. Read synchronously:
  // fs.promises.readFile costs four thread-pool round trips and their promises per file — 190 ms CPU for saleor's
  // 4,364 files against 50 ms for readFileSync (page cache warm, as after a checkout; docs/notes/speed.md)
  const wanted = rels
    .map((rel) => ({ rel, isPy: rel.endsWith('.py'), isTs: isTypeScriptInput(rel), matching: integrations.filter((i) => i.matches(rel)) }))
    .filter((w) => w.isPy || w.isTs || w.matching.length > 0);
  const buffers = wanted.map((w): { buf: Buffer } | { error: string } => {
    try {
      return { buf: readFileSync(path.join(root, w.rel)) };
    } catch (err) {
      return { error: (err as Error).message };
    }
  });
  for (let i = 0; i < wanted.length; i++) {
    const { rel, isPy, isTs, matching } = wanted[i]!;
    const r = buffers[i]!;
    if (!('buf' in r)) {
      model.notes.push({ level: 'warning', file: rel, message: `could not read: ${r.error}` });
      continue;
    }
    const buf = r.buf;
    if (buf.length > MAX_FILE_BYTES) {
      const size = `larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB (${(buf.length / 1024 / 1024).toFixed(1)} MiB)`;
      const noFacts = skippedWithoutFacts(rel, isPy, isTs && matching.length === 0, buf);
      if (noFacts) {
        // a vendored bundle or recorded test data: nothing jobctl reads facts from, so no JC001 (an info note only)
        model.notes.push({ level: 'info', file: rel, message: `not read: ${size}; ${noFacts}` });
        continue;
      }
      // not read at all: a warning note in every format, and an unread entry (JC001) for the exit code
      model.notes.push({ level: 'warning', file: rel, message: `not read: ${size}; jobctl did not check it` });
      model.unread.push({ file: rel, what: rel, reason: `larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB`, ...(isTs && !isPy && matching.length === 0 ? { holds: 'code' as const } : {}) });
      continue;
    }
    let nulLines: number[] = [];
    if (buf.includes(0)) {
      if (isPy || isTs) {
        // binary: a compiled or corrupt file where source was expected
        model.notes.push({ level: 'warning', file: rel, message: 'not read: binary content (NUL bytes) in a source file' });
        model.unread.push({ file: rel, what: rel, reason: 'binary content (NUL bytes)' });
        continue;
      }
      // a text file (requirements, .env, redis.conf, ...) with a stray NUL: read every other line
      nulLines = buf.toString('latin1').split('\n').flatMap((l, i) => (l.includes('\0') ? [i + 1] : []));
      model.notes.push({ level: 'warning', file: rel, message: `line${nulLines.length === 1 ? '' : 's'} ${nulLines.join(', ')} hold${nulLines.length === 1 ? 's' : ''} a NUL byte and ${nulLines.length === 1 ? 'was' : 'were'} not read` });
      for (const line of nulLines) model.unread.push({ file: rel, loc: { file: rel, line, column: 1 }, what: `${rel} line ${line}`, reason: 'NUL byte' });
    }
    const text = nulLines.length === 0 ? buf.toString('utf8') : buf.toString('utf8').split('\n').map((l, i) => (nulLines.includes(i + 1) ? '' : l)).join('\n');
    const kind = isPy && matching.length === 0 ? 'python' : (matching[0]?.kind ?? (isTs ? typeScriptKind(rel) : 'python'));
    const info: SourceFileInfo = { file: rel, kind, text };
    model.files.push(info);
    if (isPy) python.push(templatedPythonView(info));
    if (isTs) typescript.push(info);
    if (matching.length > 0) pending.push({ info, integ: matching });
  }

  const tRead = performance.now();
  // deploy files first (following the scripts and env files they name): the Python reader resolves
  // config_from_envvar / DJANGO_SETTINGS_MODULE through the env vars they set (model.envAssignments)
  await readIntegrations(pending, model, { root, files: rels, gitTracked, maxFileBytes: MAX_FILE_BYTES });
  const tIntegrations = performance.now();
  const cache = opts.cache && process.env.JOBCTL_NO_CACHE !== '1' ? FactCache.open(root) : undefined;
  await readPython(python, model, cache ? { ...opts.python, cache } : { ...opts.python });
  if (cache) {
    noteCacheStats(model, cache);
    // JOBCTL_DEBUG=cache: how the cache served this read (hits, files parsed, whether the grammar was loaded)
    if (/\bcache\b/.test(process.env.JOBCTL_DEBUG ?? '')) process.stderr.write(`jobctl: fact cache ${JSON.stringify({ ...cache.stats, grammarLoaded: pythonParserLoaded() })}\n`);
  }
  await readTypeScript(typescript, model);
  const r = (n: number): number => Math.round(n);
  timingsByModel.set(model, { discover: r(tDiscovered - t0), read: r(tRead - tDiscovered), integrations: r(tIntegrations - tRead), python: r(performance.now() - tIntegrations) });
  return model;
}

/** Test data and test code: no worker config or production task lives there (mirrors src/rules/lib/settings.ts isTestFile). */
const TEST_DATA = /(^|\/)(tests?|testing|cassettes|fixtures|__snapshots__)\/|(^|\/)(test_[^/]*|[^/]*_tests?|conftest)\.py$/;

/**
 * Why a file skipped for its size holds nothing jobctl reads, or null when it may (then it is a JC001): test data,
 * or a JavaScript/TypeScript file — read only for the job clients it uses — that names none (a vendored library,
 * a built frontend bundle, a committed yarn release). Python, config, deploy and requirement files always count.
 */
function skippedWithoutFacts(rel: string, isPy: boolean, jsOnly: boolean, buf: Buffer): string | null {
  if (TEST_DATA.test(rel)) return 'test code or test data, which holds no worker config';
  if (jsOnly && !isPy && !usesJobClient(buf.toString('latin1'))) return 'it uses no job client (BullMQ, celery-node, a Redis/AMQP client), so it holds nothing jobctl checks';
  return null;
}

function walk(root: string, exclude: string[], model: ProjectModel): string[] {
  const out: string[] = [];
  const stack: string[] = [''];
  while (stack.length > 0) {
    const rel = stack.pop()!;
    let entries: Dirent[];
    try {
      entries = readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch (err) {
      model.notes.push({ level: 'warning', file: rel || '.', message: `could not list: ${(err as Error).message}` });
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (exclude.some((x) => childRel === x || childRel.startsWith(`${x.replace(/\/$/, '')}/`))) continue;
      if (e.isDirectory()) {
        if (SKIP_DIRS.has(e.name)) continue;
        // any virtualenv, whatever its name
        try {
          accessSync(path.join(root, childRel, 'pyvenv.cfg'));
          continue;
        } catch { /* not a venv */ }
        stack.push(childRel);
      } else if (e.isFile()) {
        out.push(childRel);
        if (out.length >= MAX_FILES) {
          model.notes.push({ level: 'warning', message: `stopped after ${MAX_FILES} files; exclude folders in jobctl.yaml to read the rest` });
          return out.sort();
        }
      }
    }
  }
  return out.sort();
}

async function listGitTracked(root: string): Promise<Set<string> | null> {
  try {
    const { stdout: top } = await execFileAsync('git', ['rev-parse', '--show-toplevel'], { cwd: root });
    const { stdout } = await execFileAsync('git', ['ls-files', '-z', '--full-name'], { cwd: root, maxBuffer: 256 * 1024 * 1024 });
    const prefix = path.relative(top.trim(), root).split(path.sep).join('/');
    const set = new Set<string>();
    for (const f of stdout.split('\0')) {
      if (!f) continue;
      if (prefix === '') set.add(f);
      else if (f.startsWith(`${prefix}/`)) set.add(f.slice(prefix.length + 1));
    }
    return set;
  } catch {
    return null;
  }
}

export type { ProjectModel } from './types.js';

