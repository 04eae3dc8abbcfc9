// Process lifecycle of the runtime commands (smoke-test, load-test, verify): one place that owns
// what happens on SIGINT/SIGTERM at every phase, and what happens when jobctl itself dies.
//
// - First SIGINT/SIGTERM: the command's AbortController fires; the command stops its worker and
//   broker and prints what was measured, exit 130 (SIGINT) or 143 (SIGTERM). The handlers stay
//   installed for the whole run (warm shutdown and reporting included), so a signal is never
//   swallowed and never ends Node by default.
// - Second signal: no more waiting: every registered process group is SIGKILLed, every registered
//   temp folder removed, synchronously, then exit 130/143.
// - SIGKILL of jobctl (cannot be handled): every process group jobctl starts gets a watchdog, a
//   `sh` in its own session whose stdin is a pipe from jobctl. The kernel closes that pipe when
//   jobctl dies however it dies; `read` returns and the watchdog SIGKILLs the group and removes the
//   group's temp folder. That is a parent-death signal that works without prctl (not reachable
//   from Node) and on macOS too. On a normal stop the watchdog is ended first, so it can never
//   signal a recycled pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

export type InterruptSignal = 'SIGINT' | 'SIGTERM';

export function exitCodeFor(signal: InterruptSignal): 130 | 143 {
  return signal === 'SIGTERM' ? 143 : 130;
}

const tempDirs = new Set<string>();

/** A folder removed when the run ends, even on a forced (second-signal) exit. */
export function registerTempDir(dir: string): () => void {
  tempDirs.add(dir);
  return () => { tempDirs.delete(dir); rmSync(dir, { recursive: true, force: true }); };
}

export function removeTempDirsSync(): void {
  for (const d of tempDirs) try { rmSync(d, { recursive: true, force: true }); } catch { /* best effort */ }
  tempDirs.clear();
}

export interface Watchdog {
  /** end the watchdog without it touching the group (normal stop) */
  disarm(): void;
}

const WATCHDOG_SCRIPT = 'read _ignored; kill -s KILL -- "-$1" 2>/dev/null; [ -n "$2" ] && rm -rf -- "$2"; exit 0';

/** Start a watchdog that SIGKILLs process group `pgid` (and removes `dir`) once jobctl is gone. */
export function startWatchdog(pgid: number, dir?: string): Watchdog {
  let child: ChildProcess | null = null;
  try {
    child = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'jobctl-watchdog', String(pgid), dir ?? ''], {
      detached: true, // own session: a Ctrl-C or a kill of jobctl's group does not reach it
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    child.on('error', () => undefined);
    child.stdin?.on('error', () => undefined);
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  } catch {
    child = null; // no /bin/sh: the exit hooks still cover every handled way of ending
  }
  return {
    disarm() {
      if (child?.pid !== undefined && child.exitCode === null) try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
      child?.stdin?.destroy();
    },
  };
}

export interface InterruptHandle {
  /** the first signal received, or null */
  readonly signal: InterruptSignal | null;
  readonly exitCode: 130 | 143 | null;
  dispose(): void;
}

/**
 * Install SIGINT/SIGTERM handlers for a runtime command. `onFirst` is called once (abort the run);
 * a second signal kills every group with `forceKill` and exits at once.
 */
export function handleInterrupts(opts: { onFirst: (signal: InterruptSignal) => void; forceKill: () => void; announce?: (line: string) => void }): InterruptHandle {
  let first: InterruptSignal | null = null;
  const handler = (signal: InterruptSignal): void => {
    if (first !== null) {
      opts.forceKill();
      removeTempDirsSync();
      process.stderr.write(`\njobctl: interrupted again; every process jobctl started was killed\n`);
      process.exit(exitCodeFor(first));
    }
    first = signal;
    opts.announce?.(`\njobctl: interrupted (${signal}); stopping the worker and the broker (${signal === 'SIGINT' ? 'Ctrl-C' : 'signal'} again to force) ...`);
    opts.onFirst(signal);
  };
  const onInt = (): void => handler('SIGINT');
  const onTerm = (): void => handler('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    get signal() { return first; },
    get exitCode() { return first === null ? null : exitCodeFor(first); },
    dispose() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}
