// Runs the real CLI (node bin/run.js) the way CI does: stdin closed (no TTY), colour off, and a hard
// timeout so a hang fails the test instead of stalling the run.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './fixtures.js';

export interface Run { args: string[]; code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

export function jobctl(args: string[], opts: { env?: Record<string, string | undefined>; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...opts.env };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'run.js'), ...args], {
      cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: env as NodeJS.ProcessEnv,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
    child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ args, code, signal, stdout, stderr }); });
  });
}

/** Many invocations, two at a time (the CI machine has 2 cores). */
export async function jobctlAll(list: string[][], opts: { env?: Record<string, string | undefined> } = {}): Promise<Run[]> {
  const out: Run[] = new Array(list.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < list.length) {
      const i = next++;
      out[i] = await jobctl(list[i]!, opts);
    }
  };
  await Promise.all([worker(), worker()]);
  return out;
}

export const show = (r: Run): string => `jobctl ${r.args.join(' ')}\nexit ${r.code} ${r.signal ?? ''}\n--- stderr\n${r.stderr.slice(0, 2000)}\n--- stdout\n${r.stdout.slice(0, 2000)}`;
