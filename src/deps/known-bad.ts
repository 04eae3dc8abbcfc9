// Known-bad releases (src/knowledge/data/known-bad.json): releases that install but break a given
// setup. A hit needs the project's pins or lock file to land on the release -- the second package an
// entry names ("with") too: what a fresh install might pick is not a landing (it would flag every
// project). A setup jobctl cannot see (macOS developer machines) is named in the message.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { satisfies } from '@renovatebot/pep440';
import type { Dependency, ProjectModel } from '../model/types.js';
import { knowledgeDataDir } from '../knowledge/index.js';

export interface KnownBadEntry {
  id: string;
  package: string;
  /** PEP 440 range of the bad releases */
  versions: string;
  /** a second package the breakage needs (e.g. billiard >= 4.3.0 with Celery < 5.7) */
  with?: { package: string; versions: string };
  /** 'django' | 'macos' | 'broker:sqs' | 'broker:redis' | 'always' | 'pip>=24.1' | 'code:<regex over Python sources>' */
  setup: string;
  setupText: string;
  /**
   * Python versions the breakage needs (PEP 440), when it comes with a tool that only runs there: pip 24.1 needs
   * Python >= 3.8, so an image on Python 3.5 keeps a pip that installs the release. A project whose every exact
   * Python (Dockerfile FROM, .python-version, runtime.txt) is outside the range is not hit.
   */
  python?: string;
  symptom: string;
  fixedIn: string | null;
  workaround?: string;
  severity: 'error' | 'warning' | 'info';
  sources: { title: string; ref: string }[];
}

let cached: { dir: string; entries: KnownBadEntry[] } | null = null;

export function loadKnownBad(dir = knowledgeDataDir()): KnownBadEntry[] {
  if (!cached || cached.dir !== dir) cached = { dir, entries: (JSON.parse(readFileSync(join(dir, 'known-bad.json'), 'utf8')) as { entries: KnownBadEntry[] }).entries };
  return cached.entries;
}

function fits(version: string, spec: string): boolean {
  try {
    return satisfies(version, spec);
  } catch {
    return false;
  }
}

export interface SetupFacts {
  django: boolean;
  brokerSchemes: string[];
}

/** true / false, or 'unseen' for a setup jobctl cannot observe (it is then named in the message) */
export function setupApplies(setup: string, model: ProjectModel, facts: SetupFacts): boolean | 'unseen' {
  if (setup === 'always') return true;
  if (setup === 'pip>=24.1') return !everyImageHasOldPip(model);
  if (setup === 'django') return facts.django;
  if (setup === 'macos') return 'unseen';
  if (setup.startsWith('broker:')) return facts.brokerSchemes.includes(setup.slice('broker:'.length));
  if (setup.startsWith('code:')) {
    const re = new RegExp(setup.slice('code:'.length));
    return model.files.some((f) => f.kind === 'python' && re.test(f.text));
  }
  return false;
}

export interface KnownBadHit {
  entry: KnownBadEntry;
  /** the pin or lock entry that lands on the bad release */
  dep: Dependency;
  version: string;
  /** the version of entry.with, and where it came from */
  withVersion?: { version: string; from: string };
  setup: true | 'unseen';
}

export function knownBadHits(model: ProjectModel, facts: SetupFacts, entries = loadKnownBad()): KnownBadHit[] {
  const hits: KnownBadHit[] = [];
  for (const entry of entries) {
    const setup = setupApplies(entry.setup, model, facts);
    if (setup === false) continue;
    const pythons = model.pythonVersions.filter((p) => p.exact);
    if (entry.python && pythons.length > 0 && !pythons.some((p) => fits(p.value, entry.python!))) continue;
    for (const d of model.dependencies) {
      if (d.name !== entry.package || !d.version || !fits(d.version, entry.versions)) continue;
      let withVersion: KnownBadHit['withVersion'];
      if (entry.with) {
        const pinned = model.dependencies.find((x) => x.name === entry.with!.package && x.version);
        withVersion = pinned ? { version: pinned.version!, from: `${pinned.file}:${pinned.loc.line}` } : undefined;
        if (!withVersion || !fits(withVersion.version, entry.with.versions)) continue;
      }
      hits.push({ entry, dep: d, version: d.version, ...(withVersion ? { withVersion } : {}), setup });
    }
  }
  return hits;
}

/**
 * Every Dockerfile of the project that installs Python dependencies does so with the pip of an official
 * `python:3.8`–`python:3.11` image (pip below 24.1: PYTHON_PIP_VERSION 23.0.1 in docker-library/python 3.8/bookworm/Dockerfile, the bundled ensurepip pip of the 3.9–3.11 branches)
 * and upgrades pip nowhere before: then pip < 24.1 installs, and pip 24.1's stricter metadata check does not apply.
 * No Dockerfile that installs, another base image, or a pip upgrade: the install may run a current pip (false).
 */
export function everyImageHasOldPip(model: ProjectModel): boolean {
  let installs = 0;
  for (const f of model.files) {
    if (f.kind !== 'dockerfile') continue;
    const text = f.text.replace(/\\\r?\n/g, ' ');
    const install = /^\s*RUN\s.*\bpip3?\s+install\s+(?!.*\s(-U|--upgrade)\s+pip\b)/im.exec(text);
    if (!install) continue;
    installs++;
    const before = text.slice(0, install.index);
    const froms = [...before.matchAll(/^\s*FROM\s+(?:--\S+\s+)?(\S+)/gim)].map((m) => m[1]!);
    const base = froms.at(-1) ?? '';
    if (!/^(docker\.io\/)?(library\/)?python:3\.(8|9|10|11)([.-]|$)/i.test(base)) return false;
    if (/\bpip3?\s+install\s+[^\n]*(-U|--upgrade)\s+[^\n]*\bpip\b|\bget-pip\.py|ensurepip\s+--upgrade/i.test(before + install[0])) return false;
  }
  return installs > 0;
}
