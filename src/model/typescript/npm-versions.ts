// The version of an npm package the project runs: the lock file wins, then an exact pin, then the lower
// bound of the manifest range (a guess, but the oldest version the range allows is the one to worry about).
import semver from 'semver';
import type { Location } from '../types.js';
import type { TsModel } from './types.js';

export interface NpmVersion {
  version: string;
  file: string;
  loc: Location;
  exact: boolean;
}

export function npmVersion(ts: TsModel, name: string): NpmVersion | null {
  const deps = ts.npmDependencies.filter((d) => d.name === name);
  const lock = deps.find((d) => d.isLock && d.version && semver.valid(d.version));
  const manifest = deps.find((d) => !d.isLock);
  if (lock) return { version: lock.version!, file: lock.file, loc: manifest?.loc ?? lock.loc, exact: true };
  if (!manifest) return null;
  if (manifest.version && semver.valid(manifest.version)) return { version: manifest.version, file: manifest.file, loc: manifest.loc, exact: true };
  const min = semver.validRange(manifest.specifier) ? semver.minVersion(manifest.specifier) : null;
  return min ? { version: min.version, file: manifest.file, loc: manifest.loc, exact: false } : null;
}
