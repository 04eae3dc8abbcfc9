// Shared by the real-component load-test tests: the cached Celery venv and a process-table helper.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ensureCeleryVenv } from '../../src/runtime/venvs.js';

export const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..');
/** the newest Celery the repo's venv script knows; the load path is the same on 5.3 .. 5.7 */
export const CELERY_VERSION = '5.7.0';

/** .cache/venvs/celery-<v> via the runtime's wrapper of scripts/ensure-venvs.mjs (created once and reused). */
export async function celeryPython(version = CELERY_VERSION): Promise<string> {
  return ensureCeleryVenv(version);
}

/** Every live PID whose parent chain includes `root` (root excluded), with its command line. */
export function descendants(root: number): { pid: number; cmd: string }[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(name), Number(f[1]));
    } catch { /* gone */ }
  }
  const out: { pid: number; cmd: string }[] = [];
  for (const pid of parent.keys()) {
    let p = parent.get(pid);
    for (let hops = 0; p !== undefined && p > 1 && hops < 50; hops++) {
      if (p === root) { out.push({ pid, cmd: cmdline(pid) }); break; }
      p = parent.get(p);
    }
  }
  return out;
}

export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** true when `pid` is alive and still runs the same command line (PIDs can be reused). */
export function stillRunning(p: { pid: number; cmd: string }): boolean {
  const now = cmdline(p.pid);
  if (!now) return false;
  try {
    const stat = readFileSync(`/proc/${p.pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false; // zombie: exited, not yet reaped
  } catch {
    return false;
  }
  return now === p.cmd;
}
