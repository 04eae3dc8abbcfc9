// jobctl's own throwaway redis-server: loopback only, a free port, a random password, no
// persistence, its own temp dir; stopped (process group) when the run ends.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawnGroup, type ManagedProcess } from './process-group.js';
import { UnavailableError } from '../util/errors.js';
import { registerTempDir } from './lifecycle.js';

export interface OwnRedis {
  host: '127.0.0.1';
  port: number;
  password: string;
  /** redis://:<password>@127.0.0.1:<port>/<db> */
  url(db: number): string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export function findRedisServer(env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of [...(env.PATH ?? '').split(path.delimiter), '/usr/bin', '/usr/local/bin', '/opt/homebrew/bin', '/usr/sbin']) {
    if (!dir) continue;
    const p = path.join(dir, 'redis-server');
    if (existsSync(p)) return p;
  }
  return null;
}

/** The install command for this platform, for the one-line "redis-server not found" message. */
export function redisInstallHint(): string {
  if (process.platform === 'darwin') return 'brew install redis';
  if (existsSync('/etc/alpine-release')) return 'apk add redis';
  if (existsSync('/etc/debian_version')) return 'sudo apt-get install redis-server';
  if (existsSync('/etc/redhat-release') || existsSync('/etc/fedora-release')) return 'sudo dnf install redis';
  return 'install redis-server from your package manager';
}

export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Poll a loopback TCP connect until it succeeds, the process exits, or the timeout passes. */
export function waitForPort(port: number, timeoutMs: number, proc: ManagedProcess): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const attempt = (): void => {
      if (proc.hasExited()) return resolve(false);
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) resolve(false);
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export async function startOwnRedis(opts: { binary?: string; timeoutMs?: number } = {}): Promise<OwnRedis> {
  const binary = opts.binary ?? findRedisServer();
  if (!binary) throw new UnavailableError(`redis-server not found on PATH or in /usr/bin; install it (${redisInstallHint()}) or pass --broker redis://127.0.0.1:<port>/0`);
  const password = randomBytes(18).toString('hex');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jobctl-redis-'));
  const removeDir = registerTempDir(dir);
  let lastOutput = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeLoopbackPort();
    // the password lives in a 0600 config file in jobctl's 0700 temp folder, never on the command line
    const conf = path.join(dir, 'redis.conf');
    writeFileSync(conf, [
      `port ${port}`, 'bind 127.0.0.1', `requirepass ${password}`, 'save ""', 'appendonly no', `dir ${JSON.stringify(dir)}`,
      'daemonize no', 'protected-mode yes', 'loglevel warning', '',
    ].join('\n'), { mode: 0o600 });
    const proc = spawnGroup(binary, [conf], { label: 'redis-server', cwd: dir, tempDir: dir, env: { PATH: process.env.PATH, TMPDIR: os.tmpdir() }, onOutput: (c) => { lastOutput = (lastOutput + c).slice(-2000); } });
    if (await waitForPort(port, opts.timeoutMs ?? 5000, proc)) {
      const stop = async (): Promise<void> => {
        await proc.stopGroup(2000);
        removeDir();
      };
      return { host: '127.0.0.1', port, password, url: (db) => `redis://:${password}@127.0.0.1:${port}/${db}`, process: proc, stop };
    }
    await proc.stopGroup(1000);
    // a port taken between probe and bind: try another one
  }
  removeDir();
  throw new UnavailableError(`redis-server (${binary}) did not start: ${lastOutput.trim().split('\n').pop() ?? 'no output'}`);
}
