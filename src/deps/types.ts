// Types of the one dependency resolver (see src/deps/index.ts for the API).
import type { Dependency } from '../model/types.js';

/** One requirement as the project declares it (a manifest line, or a lock file's exact pin). */
export interface Requirement {
  /** as written (normalised by the resolver) */
  name: string;
  extras: string[];
  /** PEP 440 specifier, '' when unpinned ('==5.4.0', '~=5.2.0', '>=5.3,<6') */
  specifier: string;
  marker?: string | null;
  /** file:line, for conflict messages */
  where?: string;
  /** the project's declaration it came from (fixes are written in that file's format) */
  source?: Dependency;
}

export type Resolution =
  | {
      ok: true;
      mode: 'offline' | 'pip';
      /** the CPython minor (or full) version resolved for */
      python: string;
      /** normalised name -> version. Offline: the libraries the data knows; pip: everything pip would install */
      versions: Record<string, string>;
      /** extras requested of each installed package */
      extras: Record<string, string[]>;
      /** true when `versions` is the whole install set (pip; offline when every requirement is in the data) */
      complete: boolean;
    }
  | {
      ok: false;
      mode: 'offline' | 'pip';
      python: string;
      /** human-readable lines (pip's own "The conflict is caused by" in pip mode) */
      conflict: string[];
      /** offline: the library no release of which fits, and every requirement on it (`where` = a project line) */
      failure?: { name: string; constraints: { spec: string; from: string; where?: string }[] };
    };

/** What kombu's Redis transport checks when a worker connects (read from the kombu wheel). */
export interface RedisTransportFacts {
  /** `redis.VERSION < (x, y, z)` raises VersionMismatch */
  minRedis: string | null;
  minRedisLine?: number;
  /** third-party modules kombu/transport/redis.py imports at module level */
  imports: string[];
  source: string;
}

export interface PackageRelease {
  version: string;
  requiresPython: string | null;
  yanked?: boolean;
}

/** src/knowledge/data/dependencies.json */
export interface DependencyData {
  kombuRedisTransport: Record<string, RedisTransportFacts>;
  packages: Record<string, PackageRelease[]>;
}

/** A set that installs but fails when the worker runs. */
export interface Trap {
  id: 'redis-transport-refuses-redis-py' | 'redis-transport-import-missing';
  /** one sentence, with the versions */
  message: string;
  /** what the worker prints */
  symptom: string;
  /** false when the offline answer could not see the whole install set (another requirement may install the module) */
  certain: boolean;
  source: string;
}

/** One change to the user's requirement files, written in that file's format. */
export interface FixEdit {
  name: string;
  /** 'replace' the line at `where`, or 'add' a new requirement to `file` */
  action: 'replace' | 'add';
  file: string | null;
  where: string | null;
  /** the requirement text to write (the file's own syntax) */
  line: string;
  /** the same in requirements.txt syntax (what the resolver and the venv test install) */
  pep508: string;
}

export interface Fix {
  /** kombu-line-pin: Celery's own redis extra caps redis-py below the transport's floor; redis-bump otherwise */
  kind: 'kombu-line-pin' | 'redis-bump';
  edits: FixEdit[];
  /** one sentence: what it does and why */
  summary: string;
  /** the requirements after the fix (requirements.txt syntax), checked by the resolver: no conflict, no trap */
  requirements: string[];
}

/** The answer audit, upgrade-plan and verify share: what installs, and whether it runs. */
export interface InstallCheck {
  resolution: Resolution;
  traps: Trap[];
  fix: Fix | null;
}
