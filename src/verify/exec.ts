// Short-lived commands of verify (python -m venv, pip, pytest, the import probe) in their own
// process group: pip and venv spawn children of their own (ensurepip, build backends), and an
// interrupt must end all of them before jobctl removes the half-built venv they write into.
import type { Options, Result } from 'execa';
import { startWatchdog } from '../runtime/lifecycle.js';

export type GroupResult = Result<{ all: true; reject: false }>;

export async function runInGroup(file: string, args: string[], opts: Omit<Options, 'detached' | 'cancelSignal' | 'reject' | 'all'> & { signal?: AbortSignal }): Promise<GroupResult> {
  const { signal, ...rest } = opts;
  // loaded here, not at the top: audit and rules reach this module (pip dry-run) without ever running it
  const { execa } = await import('execa');
  const child = execa(file, args, { ...rest, detached: true, reject: false, all: true, stdin: 'ignore' } as Options);
  const killGroup = (): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch { /* already gone */ }
  };
  if (signal?.aborted) killGroup();
  signal?.addEventListener('abort', killGroup, { once: true });
  process.once('exit', killGroup);
  // jobctl itself SIGKILLed (a CI timeout): the watchdog ends pip/venv/pytest and what they started
  const watchdog = child.pid === undefined ? null : startWatchdog(child.pid);
  try {
    return (await child) as unknown as GroupResult;
  } finally {
    watchdog?.disarm();
    signal?.removeEventListener('abort', killGroup);
    process.removeListener('exit', killGroup);
  }
}
