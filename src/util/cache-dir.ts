// jobctl's cache folder: $JOBCTL_CACHE_DIR, else $XDG_CACHE_HOME/jobctl, else ~/.cache/jobctl. Never inside a project.
import { homedir } from 'node:os';
import path from 'node:path';

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JOBCTL_CACHE_DIR) return path.resolve(env.JOBCTL_CACHE_DIR);
  const base = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(homedir(), '.cache');
  return path.join(base, 'jobctl');
}
