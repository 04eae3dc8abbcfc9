// The project's jobctl configuration: `jobctl.yaml` (or .jobctl.yaml) at the project root, or
// `[tool.jobctl]` in pyproject.toml. Keys follow ruff's vocabulary (select / ignore / per-file-ignores).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { parse as parseToml } from 'smol-toml';
import { JobctlError } from '../util/errors.js';
import { loadKnowledge } from '../knowledge/index.js';

export interface JobctlConfig {
  /** where it was read from (relative), or null when there is none */
  file: string | null;
  target?: string;
  select?: string[];
  ignore?: string[];
  perFileIgnores?: Record<string, string[]>;
  exclude?: string[];
  failOn?: 'error' | 'warning' | 'info';
  /** Celery app for runtime commands, e.g. 'proj.celery_app' */
  app?: string;
  python?: string;
  /** `baseline:` the adoption baseline file, relative to the project root (src/engine/baseline.ts) */
  baseline?: string;
  /** everything else (smoke tasks, checklist answers, load-test defaults) stays available raw */
  raw: Record<string, unknown>;
  /** problems that do not stop the run (unknown keys); already printed once to stderr */
  warnings?: string[];
}

/** Every top-level key some part of jobctl reads. A key outside this list is most likely a typo
 * (`tagret:`) that would otherwise be ignored without a word, so it gets a warning. */
export const KNOWN_CONFIG_KEYS = [
  'target', 'select', 'ignore', 'per-file-ignores', 'per_file_ignores', 'exclude', 'fail-on', 'fail_on',
  'app', 'python', 'smoke', 'checklist', 'load-test', 'load_test', 'verify',
  'baseline',
] as const;

const FILES = ['jobctl.yaml', 'jobctl.yml', '.jobctl.yaml', '.jobctl.yml'];

export async function loadConfig(root: string): Promise<JobctlConfig> {
  for (const name of FILES) {
    const p = path.join(root, name);
    let text: string;
    try {
      text = await fs.readFile(p, 'utf8');
    } catch {
      continue;
    }
    let data: unknown;
    try {
      data = YAML.parse(text) ?? {};
    } catch (err) {
      throw new JobctlError(`${name}: not valid YAML (${firstLine((err as Error).message)}); fix the file or delete it`, { file: name });
    }
    return normalize(data, name);
  }
  let text: string | null = null;
  try {
    text = await fs.readFile(path.join(root, 'pyproject.toml'), 'utf8');
  } catch { /* no pyproject */ }
  if (text !== null) {
    let data: Record<string, unknown>;
    try {
      data = parseToml(text) as Record<string, unknown>;
    } catch {
      return { file: null, raw: {} }; // the pyproject integration reports a broken pyproject.toml as a note
    }
    const tool = (data.tool as Record<string, unknown> | undefined)?.jobctl;
    // outside the try: a wrong [tool.jobctl] is the user's config error, not "no pyproject"
    if (tool !== undefined) return normalize(tool, 'pyproject.toml');
  }
  return { file: null, raw: {} };
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

function normalize(data: unknown, file: string): JobctlConfig {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new JobctlError(`${file}: expected a mapping of jobctl settings (e.g. \`target: "5.6"\`)`, { file });
  }
  const raw = data as Record<string, unknown>;
  const cfg: JobctlConfig = { file, raw };
  const str = (k: string): string | undefined => {
    const v = raw[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string' || typeof v === 'number') return String(v);
    throw new JobctlError(`${file}: \`${k}\` must be a string`, { file });
  };
  const list = (k: string): string[] | undefined => {
    const v = raw[k];
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    throw new JobctlError(`${file}: \`${k}\` must be a list of strings (e.g. ["JC101"])`, { file });
  };
  const target = str('target');
  if (target !== undefined) {
    // checked here so the message names the file the user wrote it in, not a --target flag they never typed
    if (target !== '' && loadKnowledge().releaseFor(target) === null) {
      throw new JobctlError(`${file}: \`target: ${target}\` is not a Celery release jobctl knows; write a version or line such as "${loadKnowledge().newestVersion}" or "5.6"`, { file });
    }
    cfg.target = target;
  }
  const select = list('select');
  if (select) cfg.select = select;
  const ignore = list('ignore');
  if (ignore) cfg.ignore = ignore;
  const exclude = list('exclude');
  if (exclude) cfg.exclude = exclude;
  const app = str('app');
  if (app) cfg.app = app;
  const python = str('python');
  if (python) cfg.python = python;
  const baseline = str('baseline');
  if (baseline) cfg.baseline = baseline;
  const failOn = str('fail-on') ?? str('fail_on');
  if (failOn !== undefined) {
    if (failOn !== 'error' && failOn !== 'warning' && failOn !== 'info') throw new JobctlError(`${file}: \`fail-on\` must be error, warning or info`, { file });
    cfg.failOn = failOn;
  }
  const pfi = raw['per-file-ignores'] ?? raw.per_file_ignores;
  if (pfi !== undefined) {
    if (pfi === null || typeof pfi !== 'object' || Array.isArray(pfi)) throw new JobctlError(`${file}: \`per-file-ignores\` must map a path prefix to a list of rule ids`, { file });
    cfg.perFileIgnores = {};
    for (const [k, v] of Object.entries(pfi as Record<string, unknown>)) {
      if (!Array.isArray(v)) throw new JobctlError(`${file}: \`per-file-ignores.${k}\` must be a list of rule ids`, { file });
      cfg.perFileIgnores[k] = v.map(String);
    }
  }
  const unknown = Object.keys(raw).filter((k) => !(KNOWN_CONFIG_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    cfg.warnings = unknown.map((k) => `${file}: unknown key \`${k}\` ignored (known keys: ${KNOWN_CONFIG_KEYS.filter((x) => !x.includes('_')).join(', ')})`);
    for (const w of cfg.warnings) warnOnce(w);
  }
  return cfg;
}

const warned = new Set<string>();
/** Config is loaded by several library calls in one run (checklist loads it, then audits); warn once.
 * stderr only, so --json output stays pure. */
function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.stderr.write(`jobctl: warning: ${message}\n`);
}
