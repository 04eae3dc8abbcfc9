// Child processes jobctl starts (redis-server, celery workers) run in their own process group
// (spawned detached), so one kill(-pgid) ends the worker and every pool child it forked. Every
// live group is registered here and ended on normal exit, SIGINT, SIGTERM and uncaught errors,
// so no run leaves orphans behind.
import { execa, type ResultPromise } from 'execa';
import { startWatchdog, type Watchdog } from './lifecycle.js';

export interface ManagedProcess {
  readonly pid: number;
  readonly label: string;
  /** resolves when the process has exited (never rejects) */
  readonly exited: Promise<{ exitCode: number | null; signal: string | null }>;
  /** true once exited */
  hasExited(): boolean;
  /** SIGTERM the group, then SIGKILL after graceMs. Resolves when the leader has exited. */
  stopGroup(graceMs: number): Promise<void>;
  /** send one signal to the leader only (e.g. warm shutdown of a celery worker) */
  signalLeader(signal: NodeJS.Signals): void;
}

const live = new Set<ManagedProcess>();
const watchdogs = new Map<ManagedProcess, Watchdog>();
let hooksInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch { /* already gone */ }
}

/** Synchronous last resort: SIGKILL every group still registered (used from 'exit'). */
export function killAllManagedSync(): void {
  for (const p of live) killGroup(p.pid, 'SIGKILL');
  for (const w of watchdogs.values()) w.disarm();
  watchdogs.clear();
  live.clear();
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllManagedSync);
}

/** Processes still running that jobctl started (for tests and diagnostics). */
export function liveManagedProcesses(): ManagedProcess[] {
  return [...live];
}

export interface SpawnOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  label: string;
  /** a folder that belongs to this process, removed by the watchdog if jobctl dies first */
  tempDir?: string;
  /** receives stdout+stderr chunks as text */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
}

export function spawnGroup(file: string, args: string[], opts: SpawnOptions): ManagedProcess {
  installHooks();
  const child: ResultPromise = execa(file, args, {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: false,
    detached: true, // own process group: kill(-pid) reaches the pool children too
    stdin: 'ignore',
    buffer: false,
    reject: false,
    cleanup: true,
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${opts.label} (${file})`);
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (c: string) => opts.onOutput?.(c, 'stdout'));
  child.stderr?.on('data', (c: string) => opts.onOutput?.(c, 'stderr'));
  let exited = false;
  const exitedPromise = child.then(
    (r) => ({ exitCode: r.exitCode ?? null, signal: r.signal ?? null }),
    (e: { exitCode?: number; signal?: string }) => ({ exitCode: e.exitCode ?? null, signal: e.signal ?? null }),
  ).then((r) => {
    exited = true;
    // the leader is gone; make sure nothing it forked survives it
    killGroup(pid, 'SIGKILL');
    forget(managed);
    return r;
  });
  const managed: ManagedProcess = {
    pid,
    label: opts.label,
    exited: exitedPromise,
    hasExited: () => exited,
    signalLeader(signal) {
      if (!exited) try { process.kill(pid, signal); } catch { /* gone */ }
    },
    async stopGroup(graceMs) {
      if (!exited) {
        killGroup(pid, 'SIGTERM');
        const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
        await exitedPromise;
        clearTimeout(timer);
      }
      killGroup(pid, 'SIGKILL');
      forget(managed);
    },
  };
  live.add(managed);
  watchdogs.set(managed, startWatchdog(pid, opts.tempDir));
  return managed;
}

function forget(p: ManagedProcess): void {
  watchdogs.get(p)?.disarm();
  watchdogs.delete(p);
  live.delete(p);
}

/** Stop every registered group (SIGTERM, then SIGKILL after graceMs). */
export async function stopAllManaged(graceMs = 3000): Promise<void> {
  await Promise.all([...live].map((p) => p.stopGroup(graceMs)));
}
