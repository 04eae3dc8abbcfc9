// A real worker fleet for the fleet-mode tests: a private redis-server and N separate
// `celery worker` processes with their own node names (-n), on loopback, running
// fixtures/runtime-fleet/fleetapp.py with jobctl's probe modules included (as a user would add
// `--include jobctl_loadprobe,jobctl_probe` to the fleet's worker command). The test starts them
// itself: jobctl's --fleet mode starts nothing.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { startOwnRedis, type OwnRedis } from '../../src/runtime/redis-server.js';
import { spawnGroup, type ManagedProcess } from '../../src/runtime/process-group.js';
import { openFleetConnection } from '../../src/runtime/fleet-broker.js';
import { repoRoot } from './helpers.js';

export interface FleetWorkerSpec {
  name: string;
  python: string;
  role?: 'normal' | 'slow' | 'leak';
  /** start with -E (task events already on) */
  events?: boolean;
  concurrency?: number;
  /** more worker options, e.g. ['--without-gossip', '--without-heartbeat'] */
  extraArgs?: string[];
}

export interface TestFleet {
  redis: OwnRedis;
  broker: string;
  backend: string;
  queue: string;
  workers: { spec: FleetWorkerSpec; proc: ManagedProcess; logs: () => string }[];
  stop(): Promise<void>;
}

const FIXTURE = path.join(repoRoot, 'fixtures', 'runtime-fleet');
const TEMPLATES = path.join(repoRoot, 'templates', 'python');

/** `amqpBroker`: the workers use this RabbitMQ broker (results still on the private redis-server). */
export async function startFleet(specs: FleetWorkerSpec[], queue = 'fleet.work', amqpBroker?: string): Promise<TestFleet> {
  const redis = await startOwnRedis();
  const broker = amqpBroker ?? redis.url(0);
  const backend = redis.url(1);
  const workers: TestFleet['workers'] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(workers.map((w) => w.proc.stopGroup(3000)));
    await redis.stop();
  };
  try {
    for (const spec of specs) {
      let out = '';
      const proc = spawnGroup(spec.python, [
        '-m', 'celery', '-A', 'fleetapp', 'worker', '-n', spec.name, '-Q', queue, '-P', 'prefork', '-c', String(spec.concurrency ?? 2),
        '--include', 'jobctl_loadprobe,jobctl_probe', '-l', 'WARNING', '--without-mingle', ...(spec.events ? ['-E'] : []), ...(spec.extraArgs ?? []),
      ], {
        cwd: FIXTURE,
        label: `fleet worker ${spec.name}`,
        // the broker password stays in the environment, off the command line
        env: { ...process.env, PYTHONPATH: `${FIXTURE}${path.delimiter}${TEMPLATES}`, PYTHONDONTWRITEBYTECODE: '1', FLEET_BROKER: broker, FLEET_BACKEND: backend, FLEET_ROLE: spec.role ?? 'normal', FLEET_LEAK_KB: '256' },
        onOutput: (c) => { if (out.length < 200_000) out += c; },
      });
      workers.push({ spec, proc, logs: () => out });
    }
    const t = (await openFleetConnection(broker, backend)).transport;
    try {
      const want = specs.map((s) => s.name);
      const deadline = Date.now() + 60_000;
      for (;;) {
        const replies = await t.control('ping', {}, { destination: want, timeoutMs: 800 });
        if (want.every((n) => replies[n] !== undefined)) break;
        const dead = workers.find((w) => w.proc.hasExited());
        if (dead) throw new Error(`fleet worker ${dead.spec.name} exited:\n${dead.logs().slice(-3000)}`);
        if (Date.now() > deadline) throw new Error(`fleet not ready: ${want.filter((n) => replies[n] === undefined).join(', ')}`);
        await new Promise((r) => setTimeout(r, 300));
      }
    } finally {
      await t.close();
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { redis, broker, backend, queue, workers, stop };
}

/** The real CLI (node bin/run.js) with extra environment; resolves with its exit code and output (150 s cap). */
export function jobctl(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(repoRoot, 'bin', 'run.js'), ...args], { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 150_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}
