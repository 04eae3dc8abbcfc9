// The user's real worker, started by jobctl: `python -m celery -A <app> -b <broker>
// --result-backend <backend> worker ...` (global options before the sub-command, as Celery 5's
// click CLI requires: celery@v5.3.6/v5.7.0 `celery --help`), on jobctl's own queue, with jobctl's
// probe tasks injected via --include. Readiness comes from the worker itself (pidbox ping).
import { randomBytes } from 'node:crypto';
import { spawnGroup, type ManagedProcess } from './process-group.js';
import type { CeleryTransport } from './transport.js';
import { pythonPathFor } from './app-inspect.js';
import { fixForPythonError } from './python-errors.js';
import { UnavailableError } from '../util/errors.js';
import { maskUrlCredentials } from '../util/mask.js';

export const PROBE_MODULE = 'jobctl_probe';
const MAX_LOG = 1_000_000;

export interface WorkerOptions {
  python: string;
  app: string;
  root: string;
  brokerUrl: string;
  backendUrl: string;
  queue: string;
  pool: string;
  concurrency: number;
  /** secrets to scrub from logs shown to the user (the broker password) */
  secrets: string[];
  env?: NodeJS.ProcessEnv;
  /** what jobctl uses as `-n`: '<name>@jobctl' (explicit host part: no %h expansion to guess) */
  nodename?: string;
  loglevel?: string;
  extraArgs?: string[];
}

export interface WorkerExit {
  exitCode: number | null;
  signal: string | null;
}

export interface WorkerHandle {
  nodename: string;
  queue: string;
  argv: string[];
  process: ManagedProcess;
  /** everything the worker printed so far, secrets replaced by **** */
  logs(): string;
  /** raw logs, secrets included: only for the "password never appears" check */
  rawLogs(): string;
  /** resolves when the worker is gone */
  exited: Promise<WorkerExit>;
  /** poll a pidbox ping until the worker answers; throws UnavailableError if it exits or times out */
  waitReady(transport: CeleryTransport, timeoutMs: number): Promise<{ ms: number; reply: unknown }>;
  /** SIGTERM to the main process only (Celery's warm shutdown); SIGKILL the group after limitMs */
  warmShutdown(limitMs: number): Promise<{ clean: boolean; ms: number; exit: WorkerExit }>;
  /** end the whole process group (SIGTERM, SIGKILL after graceMs) */
  stop(graceMs?: number): Promise<void>;
}

export function randomSuffix(): string {
  return randomBytes(4).toString('hex');
}

export function workerArgv(o: WorkerOptions, nodename: string): string[] {
  return [
    '-m', 'celery', '-A', o.app, '-b', o.brokerUrl, '--result-backend', o.backendUrl,
    'worker', '-n', nodename, '-Q', o.queue, '-P', o.pool, '-c', String(o.concurrency),
    '--include', PROBE_MODULE, '-l', o.loglevel ?? 'INFO',
    // no cross-talk with other workers on a shared broker, and a faster start
    '--without-mingle', '--without-gossip', '--without-heartbeat',
    ...(o.extraArgs ?? []),
  ];
}

/** The last line of a Python traceback in the worker's output, e.g. "ModuleNotFoundError: No module named 'x'". */
export function lastPythonError(logs: string): string | null {
  const lines = logs.split('\n').map((l) => l.trimEnd()).filter(Boolean);
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!;
    if (/^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|NotRegistered)\b(:|$)/.test(l.trim())) return l.trim();
    if (/^Error: /.test(l.trim())) return l.trim();
  }
  return null;
}

export function scrub(text: string, secrets: string[]): string {
  let out = maskUrlCredentials(text);
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('****');
  return out;
}

export function startWorker(o: WorkerOptions): WorkerHandle {
  const nodename = o.nodename ?? `jobctl-smoke-${randomSuffix()}@jobctl`;
  const argv = workerArgv(o, nodename);
  let raw = '';
  const env = { ...(o.env ?? process.env), PYTHONPATH: pythonPathFor(o.root, (o.env ?? process.env).PYTHONPATH), PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' };
  const proc = spawnGroup(o.python, argv, {
    cwd: o.root,
    env,
    label: `celery worker ${nodename}`,
    onOutput: (chunk) => { if (raw.length < MAX_LOG) raw += chunk; },
  });
  const exited: Promise<WorkerExit> = proc.exited;
  const handle: WorkerHandle = {
    nodename,
    queue: o.queue,
    argv: argv.map((a) => scrub(a, o.secrets)),
    process: proc,
    logs: () => scrub(raw, o.secrets),
    rawLogs: () => raw,
    exited,
    async waitReady(transport, timeoutMs) {
      const started = performance.now();
      const deadline = Date.now() + timeoutMs;
      // Poll every 150 ms for the worker's own "<nodename> ready." log line (it is logged once the
      // consumer, remote control included, is running), then confirm with a ping. A ping sent before
      // that is lost (nobody listens yet) and used to cost a whole 700 ms reply timeout. Without the
      // line (a log level above INFO) pings go out back to back as before; with it, still one every 2 s
      // in case a Celery version words it differently.
      const readyLine = `${nodename} ready.`;
      const lineLogged = /^(debug|info)$/i.test(o.loglevel ?? 'INFO');
      const pingEveryMs = lineLogged ? 2000 : 0;
      let lastPing = lineLogged ? performance.now() : -Infinity;
      while (Date.now() < deadline) {
        if (proc.hasExited()) break;
        if (raw.includes(readyLine) || performance.now() - lastPing >= pingEveryMs) {
          lastPing = performance.now();
          const replies = await transport.control('ping', {}, { destination: [nodename], timeoutMs: Math.min(700, Math.max(100, deadline - Date.now())) }).catch(() => ({} as Record<string, unknown>));
          if (replies[nodename] !== undefined) return { ms: performance.now() - started, reply: replies[nodename] };
          if (proc.hasExited()) break;
        }
        await new Promise((r) => setTimeout(r, 150));
      }
      if (proc.hasExited()) {
        const ex = await exited;
        // give the pipes a moment to flush the traceback
        await new Promise((r) => setTimeout(r, 50));
        const why = lastPythonError(handle.logs()) ?? `exit code ${ex.exitCode ?? ex.signal}`;
        throw new UnavailableError(`worker for ${o.app} exited before it was ready: ${why}; ${fixForPythonError(why, o.root, o.python)}`);
      }
      await handle.stop(2000);
      throw new UnavailableError(`worker for ${o.app} did not answer a ping within ${Math.round(timeoutMs / 1000)}s; last log line: ${handle.logs().trim().split('\n').pop()?.slice(0, 200) ?? '(none)'}`);
    },
    async warmShutdown(limitMs) {
      const started = performance.now();
      if (proc.hasExited()) return { clean: false, ms: 0, exit: await exited };
      proc.signalLeader('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => { timer = setTimeout(() => r(true), limitMs); })]);
      clearTimeout(timer);
      if (timedOut) {
        await proc.stopGroup(500);
        return { clean: false, ms: performance.now() - started, exit: await exited };
      }
      const exit = await exited;
      await proc.stopGroup(500); // reap any pool child that outlived its parent
      return { clean: exit.exitCode === 0, ms: performance.now() - started, exit };
    },
    stop: (graceMs = 3000) => proc.stopGroup(graceMs),
  };
  return handle;
}
