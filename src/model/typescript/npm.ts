// package.json (what is allowed) and package-lock.json (what is installed) of the scanned project.
// Malformed JSON is a Note, never an exception.
import type { Location, ProjectModel, SourceFileInfo } from '../types.js';
import type { NpmDependency } from './types.js';

/** Lock entries worth keeping: the clients whose versions rules look at. */
export const NPM_PACKAGES_OF_INTEREST = new Set(['bullmq', 'ioredis', 'celery-node', 'celery-ts', 'redis', 'amqplib', 'bull']);

const SECTIONS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const;

export function readNpmFile(info: SourceFileInfo, model: ProjectModel): NpmDependency[] {
  let json: unknown;
  try {
    json = JSON.parse(info.text);
  } catch (err) {
    model.notes.push({ level: 'warning', file: info.file, message: `not valid JSON (${(err as Error).message}); its npm dependencies were not read` });
    return [];
  }
  if (!json || typeof json !== 'object') return [];
  const base = info.file.split('/').pop();
  return base === 'package.json' ? fromManifest(info, json as Record<string, unknown>) : fromLock(info, json as Record<string, unknown>);
}

function fromManifest(info: SourceFileInfo, json: Record<string, unknown>): NpmDependency[] {
  const out: NpmDependency[] = [];
  for (const section of SECTIONS) {
    const deps = json[section];
    if (!deps || typeof deps !== 'object') continue;
    for (const [name, spec] of Object.entries(deps as Record<string, unknown>)) {
      if (typeof spec !== 'string') continue;
      const exact = /^=?v?(\d+\.\d+\.\d+(?:-[\w.]+)?)$/.exec(spec.trim());
      out.push({ name, specifier: spec, version: exact ? exact[1]! : null, file: info.file, loc: keyLoc(info, name), isLock: false });
    }
  }
  return out;
}

function fromLock(info: SourceFileInfo, json: Record<string, unknown>): NpmDependency[] {
  const out: NpmDependency[] = [];
  // lockfileVersion 2/3: packages["node_modules/<name>"]; only top-level installs (nested copies belong to other packages)
  const packages = json.packages;
  if (packages && typeof packages === 'object') {
    for (const [key, entry] of Object.entries(packages as Record<string, unknown>)) {
      const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(key);
      if (!m || !NPM_PACKAGES_OF_INTEREST.has(m[1]!)) continue;
      const version = entry && typeof entry === 'object' ? (entry as Record<string, unknown>).version : undefined;
      if (typeof version !== 'string') continue;
      out.push({ name: m[1]!, specifier: version, version, file: info.file, loc: keyLoc(info, key), isLock: true });
    }
    return out;
  }
  // lockfileVersion 1: dependencies.<name>.version
  const deps = json.dependencies;
  if (deps && typeof deps === 'object') {
    for (const [name, entry] of Object.entries(deps as Record<string, unknown>)) {
      if (!NPM_PACKAGES_OF_INTEREST.has(name)) continue;
      const version = entry && typeof entry === 'object' ? (entry as Record<string, unknown>).version : undefined;
      if (typeof version !== 'string') continue;
      out.push({ name, specifier: version, version, file: info.file, loc: keyLoc(info, name), isLock: true });
    }
  }
  return out;
}

/** The line where `"key":` is written (first occurrence), so findings point at the dependency. */
function keyLoc(info: SourceFileInfo, key: string): Location {
  const needle = `${JSON.stringify(key)}`;
  const lines = info.text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const col = lines[i]!.indexOf(needle);
    if (col >= 0 && /^\s*:/.test(lines[i]!.slice(col + needle.length))) return { file: info.file, line: i + 1, column: col + 1 };
  }
  return { file: info.file, line: 1, column: 1 };
}
