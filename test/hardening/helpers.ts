// Shared by the hardening tests: the real CLI started in the background (so a test can signal it
// and watch /proc while it runs), a scratch TMPDIR per run, and process-table checks.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../support/fixtures.js';

export interface Background {
  child: ChildProcess;
  pid: number;
  tmp: string;
  stdout(): string;
  stderr(): string;
  /** resolves with the exit code (or 128+signal when jobctl died from a signal) */
  done: Promise<number>;
  /** resolves once stderr matches re */
  waitFor(re: RegExp, timeoutMs?: number): Promise<boolean>;
  /** every /proc/<pid>/cmdline seen while it ran (all processes of the machine) */
  cmdlines: Set<string>;
  /** the command lines of the processes of this run only (see survivorsOf) */
  ownCmdlines: Set<string>;
}

const SIGNO: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** Start `node bin/run.js ...args` with its own TMPDIR; cmdlines of every process are polled every 100 ms. */
export function startJobctl(args: string[], opts: { env?: Record<string, string> } = {}): Background {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'jobctl-hardening-'));
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'run.js'), ...args], {
    cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', TMPDIR: tmp, ...opts.env },
  });
  let out = '';
  let err = '';
  const waiters: { re: RegExp; resolve: (v: boolean) => void }[] = [];
  child.stdout!.setEncoding('utf8').on('data', (c: string) => { out += c; });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => {
    err += c;
    for (const w of [...waiters]) if (w.re.test(err)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(true); }
  });
  const cmdlines = new Set<string>();
  const ownCmdlines = new Set<string>();
  const poll = setInterval(() => {
    for (const c of allCmdlines()) cmdlines.add(c);
    for (const l of survivorsOf(tmp)) ownCmdlines.add(l.slice(l.indexOf(' ') + 1));
  }, 100);
  const killer = setTimeout(() => child.kill('SIGKILL'), 180_000);
  const done = new Promise<number>((resolve) => child.on('close', (code, signal) => {
    clearInterval(poll);
    clearTimeout(killer);
    for (const w of waiters) w.resolve(false);
    resolve(code ?? 128 + (SIGNO[signal ?? ''] ?? 0));
  }));
  return {
    child, pid: child.pid!, tmp, cmdlines, ownCmdlines, done,
    stdout: () => out,
    stderr: () => err,
    waitFor: (re, timeoutMs = 60_000) => new Promise<boolean>((resolve) => {
      if (re.test(err)) return resolve(true);
      const w = { re, resolve };
      waiters.push(w);
      setTimeout(() => { const i = waiters.indexOf(w); if (i >= 0) { waiters.splice(i, 1); resolve(false); } }, timeoutMs);
    }),
  };
}

export function allCmdlines(): string[] {
  const out: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try { out.push(readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ')); } catch { /* gone */ }
  }
  return out;
}

/** Live (not zombie) processes whose command line contains needle. */
export function liveMatching(needle: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (/\) Z /.test(stat)) continue;
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(needle)) out.push(`${name} ${cmd}`);
    } catch { /* gone */ }
  }
  return out;
}

/** Processes jobctl started for a run under `tmp`: redis-server (cwd in tmp), watchdogs and workers (TMPDIR in tmp). */
export function survivorsOf(tmp: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (/\) Z /.test(readFileSync(`/proc/${name}/stat`, 'utf8'))) continue;
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      let env = '';
      let cwd = '';
      try { env = readFileSync(`/proc/${name}/environ`, 'utf8'); } catch { /* other user */ }
      // redis-server rewrites its title over argv and environ: its cwd (jobctl's folder for it) says whose it is
      try { cwd = readlinkSync(`/proc/${name}/cwd`); } catch { /* other user */ }
      if (cmd.includes(tmp) || env.includes(`TMPDIR=${tmp}`) || cwd.startsWith(tmp)) out.push(`${name} ${cmd}`);
    } catch { /* gone */ }
  }
  return out;
}

export async function settle(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

export function leftoverFiles(tmp: string): string[] {
  try { return readdirSync(tmp); } catch { return []; }
}

export function removeTmp(b: Background): void {
  rmSync(b.tmp, { recursive: true, force: true });
}
