import { Args, Flags } from '@oclif/core';
import { JobctlCommand } from '../cli/base-command.js';
import { loadConfig } from '../engine/config.js';
import { runSmokeTest, type SmokeResult } from '../runtime/smoke.js';
import type { BrokerKindFlag } from '../runtime/broker.js';
import { renderSmokeText } from '../runtime/smoke-report.js';
import { useColor } from '../report/index.js';
import { smokeToJUnit, writeJUnitFile } from '../report/junit.js';
import { handleInterrupts } from '../runtime/lifecycle.js';
import { killAllManagedSync } from '../runtime/process-group.js';
import { JobctlError } from '../util/errors.js';
import { maskDeep } from '../util/mask.js';

export default class SmokeTest extends JobctlCommand {
  static override summary = "Start the project's real Celery worker against a throwaway broker and run staged checks through it";
  static override description = "Starts jobctl's own redis-server (loopback, random password, no persistence) unless --broker is given, starts `celery -A <app> worker` on a queue of jobctl's own with jobctl's probe tasks, and checks: readiness, registered tasks, ping, echo, failure, retry, countdown, revoke, time limits, asyncio under the pool, your smoke tasks from jobctl.yaml, password never logged, deprecation warnings, warm shutdown. Exit 0 all required checks pass, 1 a check failed, 2 usage/config error, 3 broker or worker unavailable, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).";
  static override examples = [
    '<%= config.bin %> smoke-test',
    '<%= config.bin %> smoke-test --app proj.celery_app --python .venv/bin/python --pool prefork -c 2',
    '<%= config.bin %> smoke-test --broker redis://127.0.0.1:6390/0',
    '<%= config.bin %> smoke-test --json',
  ];
  static override args = { path: Args.directory({ description: 'project folder (the worker runs here)', default: '.', exists: false }) };
  static override flags = {
    app: Flags.string({ char: 'A', summary: 'Celery app, as given to `celery -A` (default: jobctl.yaml `app`, or the one app found)' }),
    python: Flags.string({ summary: "the project's Python (default: --python, jobctl.yaml `python`, $VIRTUAL_ENV, .venv, venv, Poetry env, python3)" }),
    pool: Flags.string({ char: 'P', summary: "worker pool (default: the deployed worker command's -P in compose/Procfile/systemd/k8s, else the app's worker_pool, else prefork)", options: ['prefork', 'solo', 'threads', 'gevent', 'eventlet'] }),
    concurrency: Flags.integer({ char: 'c', summary: "worker concurrency (default: the deployed -c / worker_concurrency, capped on a small machine; else 2)", min: 1, max: 1000 }),
    'full-concurrency': Flags.boolean({ summary: 'run the deployed concurrency even above the small-machine cap (4-8 processes, 50 greenlets)' }),
        broker: Flags.string({ env: 'JOBCTL_BROKER', summary: "use this Redis or RabbitMQ broker (redis://…, amqp://…) instead of jobctl's own (loopback only unless --allow-remote; or set JOBCTL_BROKER, which keeps the password off the command line)" }),
    'broker-kind': Flags.string({ summary: "the broker jobctl starts: auto (RabbitMQ when the app's broker is amqp://, else Redis), redis or rabbitmq", options: ['auto', 'redis', 'rabbitmq'], default: 'auto' }),
    'queue-type': Flags.string({ summary: "RabbitMQ: jobctl's queue type (default: quorum when the app declares quorum queues, else classic)", options: ['classic', 'quorum'] }),
    'allow-remote': Flags.boolean({ summary: 'allow a --broker that is not on this machine' }),
    'allow-shared-broker': Flags.boolean({ summary: 'allow a --broker database that already holds keys (jobctl still touches only its own)' }),
    'ready-timeout': Flags.integer({ summary: 'seconds for the worker to answer its first ping', default: 30, min: 1 }),
    'task-timeout': Flags.integer({ summary: 'seconds to wait for each task result', default: 15, min: 1 }),
    'shutdown-timeout': Flags.integer({ summary: 'seconds a warm shutdown may take', default: 10, min: 1 }),
    junit: Flags.string({ summary: 'also write JUnit XML to this file (one testcase per check; for GitLab/Jenkins test tabs)' }),
  };

  async run(): Promise<SmokeResult> {
    const { args, flags } = await this.parse(SmokeTest);
    const config = await loadConfig(args.path);
    const abort = new AbortController();
    const interrupts = handleInterrupts({ onFirst: () => abort.abort(), forceKill: killAllManagedSync, announce: (l) => this.progress(l) });
    try {
      const result = maskDeep(await runSmokeTest({
        root: args.path,
        config,
        ...(flags.concurrency !== undefined ? { concurrency: flags.concurrency } : {}),
        ...(flags['full-concurrency'] ? { fullConcurrency: true } : {}),
        readyTimeoutMs: flags['ready-timeout'] * 1000,
        taskTimeoutMs: flags['task-timeout'] * 1000,
        shutdownLimitMs: flags['shutdown-timeout'] * 1000,
        renderer: 'simple',
        signal: abort.signal,
        ...(flags.app ? { app: flags.app } : {}),
        ...(flags.python ? { python: flags.python } : {}),
        ...(flags.pool ? { pool: flags.pool } : {}),
        ...(flags.broker ? { broker: flags.broker } : {}),
        brokerKind: flags['broker-kind'] as BrokerKindFlag,
        ...(flags['queue-type'] ? { queueType: flags['queue-type'] as 'classic' | 'quorum' } : {}),
        ...(flags['allow-remote'] ? { allowRemote: true } : {}),
        ...(flags['allow-shared-broker'] ? { allowSharedBroker: true } : {}),
      }));
      // a signal after the checks (during the warm shutdown or the clean-up) still means "interrupted"
      if (interrupts.exitCode !== null) Object.assign(result, { interrupted: true, ok: false, exitCode: interrupts.exitCode });
      if (flags.junit) await writeJUnitFile(flags.junit, 'jobctl smoke-test', smokeToJUnit(result));
      if (!this.jsonEnabled()) process.stdout.write(renderSmokeText(result, { color: useColor(process.stdout) }));
      this.setExitCode(result.exitCode);
      return result;
    } catch (err) {
      // a signal while the app was being imported or the worker was starting: say so, exit 130/143
      if (interrupts.exitCode !== null) throw new JobctlError(`interrupted (${interrupts.signal}) before the first check; every process jobctl started was stopped`, { exitCode: interrupts.exitCode });
      throw err;
    } finally {
      interrupts.dispose();
    }
  }
}
