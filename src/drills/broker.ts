// The private broker a drill runs on: started by jobctl (never a broker it did not start), crashed,
// restarted on the same port and data folder, and stopped. Drills only talk to this interface, so a
// RabbitMQ implementation can run the broker-restart, pool-kill and warm-shutdown drills too.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { spawnGroup, type ManagedProcess } from '../runtime/process-group.js';
import { registerTempDir } from '../runtime/lifecycle.js';
import { findRedisServer, freeLoopbackPort, redisInstallHint, waitForPort } from '../runtime/redis-server.js';
import { RedisCeleryTransport } from '../runtime/redis-transport.js';
import type { CeleryTransport } from '../runtime/transport.js';
import { UnavailableError } from '../util/errors.js';

export interface DrillBroker {
  kind: 'redis' | 'amqp';
  /** broker URL with the password: environment only, never printed */
  url: string;
  backendUrl: string;
  password: string;
  /** every secret of the broker (and its result store), scrubbed from worker logs */
  secrets: string[];
  /** a client of the result store (Redis db 1) */
  resultClient(): Redis;
  /** what the broker was started with, for the evidence (no secrets) */
  describe(): string;
  /** SIGKILL the broker (a crash: OOM killer, node loss) */
  crash(): Promise<void>;
  /** start it again on the same port with the same data folder and configuration */
  start(): Promise<void>;
  /** messages waiting in a queue (null when the broker is down) */
  queueDepth(queue: string): Promise<number | null>;
  /** a producer on this broker (closed by the caller) */
  transport(): Promise<CeleryTransport>;
  /** stop it for good and remove its folder */
  stop(): Promise<void>;
}

/** redis.conf lines the drill copies from the project (persistence, memory policy). */
export interface RedisDrillConfig {
  /** directive lines such as `appendonly yes`, `save 3600 1`, `maxmemory-policy allkeys-lru` */
  directives: string[];
}

/** Directives jobctl sets itself; the project's own lines never replace them. */
const OWN = new Set(['port', 'bind', 'requirepass', 'dir', 'daemonize', 'protected-mode', 'logfile', 'pidfile', 'unixsocket', 'include', 'user', 'aclfile', 'tls-port', 'replicaof', 'slaveof', 'loadmodule', 'supervised', 'rename-command', 'masterauth', 'cluster-enabled']);

export class RedisDrillBroker implements DrillBroker {
  readonly kind = 'redis' as const;
  private proc: ManagedProcess | null = null;
  private lastOutput = '';
  private constructor(private readonly binary: string, private readonly dir: string, private readonly port: number, readonly password: string, private readonly directives: string[], private readonly removeDir: () => void) {}

  get url(): string { return `redis://:${this.password}@127.0.0.1:${this.port}/0`; }
  get backendUrl(): string { return `redis://:${this.password}@127.0.0.1:${this.port}/1`; }

  static async open(config: RedisDrillConfig): Promise<RedisDrillBroker> {
    const binary = findRedisServer();
    if (!binary) throw new UnavailableError(`redis-server not found on PATH or in /usr/bin; install it (${redisInstallHint()}) to run drills`);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'jobctl-drill-redis-'));
    const removeDir = registerTempDir(dir);
    const directives = config.directives.filter((d) => !OWN.has(d.trim().split(/\s+/)[0]!.toLowerCase()));
    const b = new RedisDrillBroker(binary, dir, await freeLoopbackPort(), randomBytes(18).toString('hex'), directives, removeDir);
    try {
      await b.start();
    } catch (err) {
      removeDir();
      throw err;
    }
    return b;
  }

  get secrets(): string[] { return [this.password]; }

  resultClient(): Redis { return this.client(1); }

  describe(): string {
    return this.directives.length ? this.directives.join('; ') : 'Redis defaults';
  }

  async start(): Promise<void> {
    const conf = path.join(this.dir, 'redis.conf');
    // the password lives in a 0600 file in jobctl's own 0700 folder, never on a command line
    writeFileSync(conf, [
      ...this.directives,
      `port ${this.port}`, 'bind 127.0.0.1', `requirepass ${this.password}`, `dir ${JSON.stringify(this.dir)}`,
      'daemonize no', 'protected-mode yes', 'loglevel warning', '',
    ].join('\n'), { mode: 0o600 });
    const proc = spawnGroup(this.binary, [conf], { label: 'redis-server (drill)', cwd: this.dir, env: { PATH: process.env.PATH, TMPDIR: os.tmpdir() }, onOutput: (c) => { this.lastOutput = (this.lastOutput + c).slice(-2000); } });
    this.proc = proc;
    if (!(await waitForPort(this.port, 8000, proc))) {
      await proc.stopGroup(500);
      throw new UnavailableError(`redis-server (${this.binary}) did not start for the drill: ${this.lastOutput.trim().split('\n').pop() ?? 'no output'}`);
    }
    // an AOF or RDB file is loaded before the server accepts commands: wait for it to answer
    const c = this.client();
    try {
      for (let i = 0; i < 100; i++) {
        const ok = await c.ping().then(() => true, () => false);
        if (ok) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      c.disconnect();
    }
  }

  async crash(): Promise<void> {
    const p = this.proc;
    if (!p || p.hasExited()) return;
    try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
    await p.exited;
  }

  /** a plain client (db 0, or `db`) for counts and INFO */
  client(db = 0): Redis {
    const c = new Redis({ host: '127.0.0.1', port: this.port, password: this.password, db, lazyConnect: false, connectTimeout: 1500, maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on('error', () => undefined);
    return c;
  }

  async queueDepth(queue: string): Promise<number | null> {
    const c = this.client();
    try {
      return await c.llen(queue);
    } catch {
      return null;
    } finally {
      c.disconnect();
    }
  }

  async info(section: string): Promise<Record<string, string>> {
    const c = this.client();
    try {
      const text = await c.info(section);
      return Object.fromEntries(text.split(/\r?\n/).filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));
    } finally {
      c.disconnect();
    }
  }

  async transport(): Promise<CeleryTransport> {
    return RedisCeleryTransport.open({ brokerUrl: this.url, backendUrl: this.backendUrl, deleteResults: false });
  }

  async stop(): Promise<void> {
    if (this.proc) await this.proc.stopGroup(1000);
    this.proc = null;
    this.removeDir();
  }
}
