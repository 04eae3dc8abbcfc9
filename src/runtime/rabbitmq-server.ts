// jobctl's own throwaway RabbitMQ node (the Debian/Homebrew `rabbitmq-server`, 3.10+), private to
// one run:
// - its own node name (jobctl-<random>@localhost), Mnesia/log/config/cookie in a 0700 temp folder
//   (HOME points there, so the Erlang cookie is a fresh one, never ~/.erlang.cookie);
// - loopback only: AMQP on a free 127.0.0.1 port, Erlang distribution on another one bound to
//   127.0.0.1, and its own epmd on a third port (ERL_EPMD_PORT, started by jobctl in the foreground,
//   -address 127.0.0.1), so a system epmd on 4369 is never used, started or stopped;
// - the system's /etc/rabbitmq (rabbitmq-env.conf, rabbitmq.conf, enabled_plugins) is never read:
//   RABBITMQ_CONF_ENV_FILE, RABBITMQ_CONFIG_FILE and RABBITMQ_ENABLED_PLUGINS_FILE point into the temp folder;
// - one user and one vhost from a definitions file (load_definitions) holding only a salted SHA-256
//   hash of a random password: no password on any command line, and no default `guest` user;
// - ready when an AMQP login with that user succeeds; stop() ends beam (its process group: the
//   rabbitmq-server shell, beam.smp, erl_child_setup, inet_gethost) and epmd, and removes the folder.
//   A node killed with jobctl (Ctrl-C twice, SIGKILL) is ended by the process-group watchdogs.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import amqp from 'amqplib';
import { spawnGroup, type ManagedProcess } from './process-group.js';
import { registerTempDir } from './lifecycle.js';
import { freeLoopbackPort } from './redis-server.js';
import { UnavailableError } from '../util/errors.js';

export interface OwnRabbit {
  host: '127.0.0.1';
  /** AMQP port */
  port: number;
  vhost: string;
  user: string;
  /** never print: use `masked` */
  password: string;
  nodename: string;
  /** the node's temp folder (data, logs, config, cookie) */
  dir: string;
  /** ms from spawning beam to the first successful AMQP login (the last start) */
  startupMs: number;
  /** amqp://<user>:<password>@127.0.0.1:<port>/<vhost> */
  url(): string;
  masked: string;
  /** the current beam process group (changes after startNode) */
  process(): ManagedProcess;
  /** Stop the node but keep its data folder, ports and epmd (a broker-restart drill). SIGTERM is
   * RabbitMQ's clean shutdown; SIGKILL is a crash. */
  stopNode(opts?: { signal?: 'SIGTERM' | 'SIGKILL'; graceMs?: number }): Promise<void>;
  /** Start the node again on the same ports and data; resolves with the start-up time in ms. */
  startNode(): Promise<number>;
  /** the last lines of the node's log (for failures) */
  logTail(lines?: number): string;
  /** End beam, epmd and every child; remove the folder. Idempotent. */
  stop(): Promise<void>;
}

export interface StartRabbitOptions {
  /** path of rabbitmq-server; found on PATH, /usr/lib/rabbitmq/bin, /usr/sbin otherwise */
  binary?: string;
  /** readiness timeout (default 60 s: a cold 2-core CI machine needs ~5-10 s) */
  timeoutMs?: number;
}

const SEARCH_DIRS = ['/usr/lib/rabbitmq/bin', '/opt/homebrew/sbin', '/usr/local/sbin', '/usr/local/opt/rabbitmq/sbin'];

/**
 * The rabbitmq-server start script. Debian's /usr/sbin/rabbitmq-server is a wrapper that switches to
 * the `rabbitmq` system user and /var/lib/rabbitmq, which is the system node's: the script it wraps
 * (/usr/lib/rabbitmq/bin/rabbitmq-server) is preferred.
 */
export function findRabbitmqServer(env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of SEARCH_DIRS) {
    const p = path.join(dir, 'rabbitmq-server');
    if (existsSync(p)) return p;
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, 'rabbitmq-server');
    if (existsSync(p) && !p.startsWith('/usr/sbin/')) return p;
  }
  return null;
}

export function findEpmd(serverScript: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const candidates = [
    ...(env.PATH ?? '').split(path.delimiter).filter(Boolean).map((d) => path.join(d, 'epmd')),
    '/usr/bin/epmd', '/usr/lib/erlang/bin/epmd', '/opt/homebrew/bin/epmd', '/usr/local/bin/epmd',
    path.join(path.dirname(serverScript), 'epmd'),
  ];
  return candidates.find((p) => existsSync(p)) ?? null;
}

export function rabbitInstallHint(): string {
  if (process.platform === 'darwin') return 'brew install rabbitmq';
  if (existsSync('/etc/debian_version')) return 'sudo apt-get install rabbitmq-server (with a policy-rc.d that keeps the system service from starting, see README)';
  if (existsSync('/etc/redhat-release') || existsSync('/etc/fedora-release')) return 'sudo dnf install rabbitmq-server';
  return 'install rabbitmq-server from your package manager';
}

/** RabbitMQ's rabbit_password_hashing_sha256: base64(salt(4) ++ sha256(salt ++ password)). */
export function rabbitPasswordHash(password: string, salt: Buffer = randomBytes(4)): string {
  const digest = createHash('sha256').update(Buffer.concat([salt, Buffer.from(password, 'utf8')])).digest();
  return Buffer.concat([salt, digest]).toString('base64');
}

export function rabbitDefinitions(user: string, password: string, vhost: string): Record<string, unknown> {
  return {
    users: [{ name: user, password_hash: rabbitPasswordHash(password), hashing_algorithm: 'rabbit_password_hashing_sha256', tags: ['administrator'] }],
    vhosts: [{ name: vhost }],
    permissions: [{ user, vhost, configure: '.*', write: '.*', read: '.*' }],
  };
}

function waitForTcp(port: number, timeoutMs: number, alive: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const attempt = (): void => {
      if (!alive()) return resolve(false);
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

/** Poll an AMQP login until it succeeds (the listener opens before definitions are fully applied). */
async function waitForLogin(url: string, timeoutMs: number, alive: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && alive()) {
    try {
      const c = await amqp.connect(url, { timeout: 2000 });
      c.on('error', () => undefined);
      await c.close().catch(() => undefined);
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return false;
}

export async function startOwnRabbit(opts: StartRabbitOptions = {}): Promise<OwnRabbit> {
  const binary = opts.binary ?? findRabbitmqServer();
  if (!binary) throw new UnavailableError(`rabbitmq-server not found (looked in ${SEARCH_DIRS[0]} and on PATH); install it (${rabbitInstallHint()}) or pass --broker amqp://user@127.0.0.1:5672/vhost`);
  const epmdBin = findEpmd(binary);
  if (!epmdBin) throw new UnavailableError(`epmd (Erlang) not found next to ${binary} or on PATH; install erlang-base (it comes with rabbitmq-server)`);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jobctl-rabbit-'));
  const removeDir = registerTempDir(dir);
  const suffix = randomBytes(4).toString('hex');
  const nodename = `jobctl-${suffix}@localhost`;
  const user = 'jobctl';
  const vhost = 'jobctl';
  const password = randomBytes(18).toString('hex');
  const [port, distPort, epmdPort] = await distinctFreePorts(3);
  const logDir = path.join(dir, 'log');
  const mnesia = path.join(dir, 'mnesia');
  mkdirSync(logDir, { mode: 0o700 });
  mkdirSync(mnesia, { mode: 0o700 });
  const definitions = path.join(dir, 'definitions.json');
  writeFileSync(definitions, JSON.stringify(rabbitDefinitions(user, password, vhost)), { mode: 0o600 });
  const conf = path.join(dir, 'rabbitmq.conf');
  writeFileSync(conf, [
    `listeners.tcp.1 = 127.0.0.1:${port}`,
    'distribution.listener.interface = 127.0.0.1',
    `load_definitions = ${definitions}`,
    // a small CI disk must not block publishers (RabbitMQ's default limit is 50 MB free)
    'disk_free_limit.absolute = 10MB',
    'log.console = false',
    'log.file.level = info',
    '',
  ].join('\n'), { mode: 0o600 });
  writeFileSync(path.join(dir, 'enabled_plugins'), '[].\n', { mode: 0o600 });
  writeFileSync(path.join(dir, 'rabbitmq-env.conf'), '# jobctl: the system rabbitmq-env.conf is not read\n', { mode: 0o600 });
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    LANG: process.env.LANG ?? 'C.UTF-8',
    LC_ALL: process.env.LC_ALL,
    HOME: dir,
    TMPDIR: os.tmpdir(),
    RABBITMQ_NODENAME: nodename,
    RABBITMQ_USE_LONGNAME: 'false',
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: mnesia,
    RABBITMQ_LOG_BASE: logDir,
    RABBITMQ_CONFIG_FILE: conf,
    RABBITMQ_ADVANCED_CONFIG_FILE: path.join(dir, 'advanced.config'),
    RABBITMQ_CONF_ENV_FILE: path.join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
    RABBITMQ_PID_FILE: path.join(dir, 'rabbit.pid'),
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    // no busy-waiting schedulers: the node shares a small machine with the worker under test
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '+sbwt none +sbwtdcpu none +sbwtdio none',
  };
  const url = `amqp://${user}:${password}@127.0.0.1:${port}/${vhost}`;
  const masked = `amqp://${user}:****@127.0.0.1:${port}/${vhost}`;
  const logFile = path.join(logDir, `${nodename}.log`);
  let output = '';
  const logTail = (lines = 20): string => {
    let text = output;
    try { text = `${readFileSync(logFile, 'utf8')}\n${output}`; } catch { /* no log yet */ }
    return text.split(password).join('****').trim().split('\n').slice(-lines).join('\n');
  };

  // epmd first, in the foreground as a process group of jobctl's: beam then registers with it and
  // never starts a daemonised epmd of its own (which would outlive the run)
  const epmd = spawnGroup(epmdBin, ['-port', String(epmdPort), '-address', '127.0.0.1'], { label: 'epmd', cwd: dir, tempDir: dir, env: { PATH: process.env.PATH, HOME: dir } });
  let beam: ManagedProcess | null = null;
  let stopped = false;
  const stopAll = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (beam) await beam.stopGroup(5000);
    await epmd.stopGroup(1000);
    removeDir();
  };
  if (!(await waitForTcp(epmdPort, 5000, () => !epmd.hasExited()))) {
    await stopAll();
    throw new UnavailableError(`epmd (${epmdBin}) did not start on 127.0.0.1:${epmdPort}`);
  }

  let startupMs = 0;
  const startNode = async (): Promise<number> => {
    const t0 = performance.now();
    output = '';
    const proc = spawnGroup(binary, [], { label: `rabbitmq-server ${nodename}`, cwd: dir, tempDir: dir, env, onOutput: (c) => { output = (output + c).slice(-4000); } });
    beam = proc;
    if (!(await waitForLogin(url, timeoutMs, () => !proc.hasExited()))) {
      const why = proc.hasExited() ? 'it exited' : `no AMQP login within ${Math.round(timeoutMs / 1000)} s`;
      const tail = logTail(8);
      await stopAll();
      throw new UnavailableError(`rabbitmq-server (${binary}) did not start: ${why}; last log lines: ${tail.replace(/\s*\n\s*/g, ' | ').slice(-600) || '(none)'}`);
    }
    startupMs = Math.round(performance.now() - t0);
    return startupMs;
  };
  await startNode();

  return {
    host: '127.0.0.1', port, vhost, user, password, nodename, dir,
    get startupMs() { return startupMs; },
    url: () => url,
    masked,
    process: () => beam!,
    async stopNode(o = {}) {
      if (!beam || beam.hasExited()) return;
      if (o.signal === 'SIGKILL') {
        // a crash: no clean shutdown; the group (beam and its children) follows the leader
        beam.signalLeader('SIGKILL');
        await beam.exited;
        await beam.stopGroup(0);
      } else {
        await beam.stopGroup(o.graceMs ?? 15_000);
      }
    },
    startNode,
    logTail,
    stop: stopAll,
  };
}

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freeLoopbackPort());
  return [...ports];
}
