import { Args, Flags } from '@oclif/core';
import { loadToJUnit, writeJUnitFile } from '../report/junit.js';
import { promises as fs } from 'node:fs';
import { JobctlCommand } from '../cli/base-command.js';
import { loadTest, probeTask, renderLoadTestHtml, renderLoadTestText, type LoadTestResult } from '../loadtest/index.js';
import { parseDuration, parseJsonArgs, parseJsonKwargs, parseRate } from '../loadtest/options.js';
import type { LoadShape, ProgressSnapshot } from '../loadtest/run.js';
import { fmtBytes, fmtMs, fmtNum } from '../loadtest/format.js';
import { killAllManagedSync } from '../runtime/process-group.js';
import { handleInterrupts } from '../runtime/lifecycle.js';
import { JobctlError } from '../util/errors.js';
import { maskDeep } from '../util/mask.js';

export default class LoadTest extends JobctlCommand {
  static override summary = 'Put a real Celery worker under load and gate on latency, errors, lost tasks and memory growth';
  static override description = 'Starts a private loopback redis-server (unless --broker) and a worker on a queue of its own, drives it closed-loop (--concurrency) or open-loop (--rate), and measures queue wait, run time and end-to-end latency (HDR percentiles), throughput, errors, lost tasks, queue depth, worker RSS (whole process tree) with a leak verdict, and CPU. Exit 0 all thresholds passed, 1 a threshold failed, 2 usage/config error, 3 broker/worker unavailable, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).';
  static override examples = [
    '<%= config.bin %> load-test --concurrency 50 --tasks 5000',
    '<%= config.bin %> load-test --rate 200/s --duration 60s',
    '<%= config.bin %> load-test --probe sleep:20 --concurrency 50 --tasks 2000',
    "<%= config.bin %> load-test --app proj --task proj.tasks.resize --args '[1024]' --concurrency 50",
    "<%= config.bin %> load-test --threshold 'p95<3s' --threshold 'errors<2%' --threshold 'rss_growth<10%'",
    '<%= config.bin %> load-test --report load.html --json > load.json',
    '<%= config.bin %> load-test --baseline previous.json',
  ];
  static override args = { path: Args.directory({ description: 'project folder (worker cwd and PYTHONPATH), like the other commands', exists: false }) };
  static override flags = {
    junit: Flags.string({ summary: 'also write JUnit XML to this file (one testcase per threshold; for GitLab/Jenkins test tabs)' }),
    concurrency: Flags.integer({ char: 'c', summary: 'closed loop: tasks kept in flight (default 50)', min: 1 }),
    rate: Flags.string({ char: 'r', summary: 'open loop: fixed arrival rate, e.g. 200/s (latency measured from the intended send time)' }),
    tasks: Flags.integer({ char: 'n', summary: 'tasks to publish (default 1000 when no --duration)', min: 1 }),
    duration: Flags.string({ char: 'd', summary: 'publish for this long, e.g. 60s or 2m' }),
    probe: Flags.string({ summary: 'built-in workload: noop (default), sleep:<ms>, cpu:<ms>, leak:<KiB>, allocate:<KiB>, asyncio:<ms>, fail' }),
    task: Flags.string({ summary: 'your own task name instead of a probe (needs --app)' }),
    args: Flags.string({ summary: "positional arguments as a JSON array, e.g. '[1024]'" }),
    kwargs: Flags.string({ summary: 'keyword arguments as a JSON object' }),
    app: Flags.string({ char: 'A', summary: 'your Celery app (as for `celery -A`); its worker also loads jobctl\'s probe module' }),
    project: Flags.string({ char: 'p', summary: 'project folder (same as the PATH argument)' }),
    python: Flags.string({ summary: 'Python interpreter with Celery installed (default: the project\'s venv, then python3)' }),
    broker: Flags.string({ env: 'JOBCTL_BROKER', summary: 'use this Redis or RabbitMQ broker (redis://…, amqp://…) instead of a private one (loopback only unless --allow-remote; or set JOBCTL_BROKER, which keeps the password off the command line)' }),
    'allow-remote': Flags.boolean({ summary: 'allow a non-loopback --broker' }),
    'broker-kind': Flags.string({ summary: "the broker jobctl starts: auto (RabbitMQ when the app's broker is amqp://, else Redis), redis or rabbitmq (results go through jobctl's own redis-server on either)", options: ['auto', 'redis', 'rabbitmq'], default: 'auto' }),
    'queue-type': Flags.string({ summary: "RabbitMQ: jobctl's queue type (default: quorum when the app declares quorum queues, else classic)", options: ['classic', 'quorum'] }),
    'allow-shared-broker': Flags.boolean({ summary: 'allow a --broker database that already holds keys (jobctl still touches only its own)' }),
    pool: Flags.string({ summary: "worker pool (default: the deployed worker command's -P in compose/Procfile/systemd/k8s, else the app's worker_pool, else prefork)", options: ['prefork', 'solo', 'threads', 'gevent', 'eventlet'] }),
    'worker-concurrency': Flags.integer({ summary: 'worker pool size (-c of the worker; default: the deployed -c, capped on a small machine, else 2)', min: 1 }),
    'full-concurrency': Flags.boolean({ summary: 'run the deployed worker concurrency even above the small-machine cap' }),
    threshold: Flags.string({ summary: "pass/fail gate, repeatable: 'p95<3s', 'queue_wait.p99<500ms', 'errors<2%', 'lost==0', 'throughput>100/s', 'rss_growth<10%', 'rss_per_1k<5MB'", multiple: true }),
    report: Flags.string({ summary: 'write a self-contained HTML report (inline SVG charts) to this file' }),
    baseline: Flags.string({ summary: 'an earlier run\'s --json output: report deltas against it' }),
    warmup: Flags.integer({ summary: 'tasks completed before memory growth is measured (default max(100, 10% of the run))', min: 0 }),
    'task-timeout': Flags.string({ summary: 'a result slower than this counts as a timeout', default: '60s' }),
    'drain-timeout': Flags.string({ summary: 'after the last publish, wait this long for results before counting tasks lost', default: '30s' }),
  };

  async run(): Promise<LoadTestResult> {
    const { args: positional, flags } = await this.parse(LoadTest);
    if (positional.path !== undefined && flags.project !== undefined && positional.path !== flags.project) throw new JobctlError(`give the project folder once: PATH (${positional.path}) or --project (${flags.project})`);
    const project = flags.project ?? positional.path ?? '.';
    if (flags.rate !== undefined && flags.concurrency !== undefined) throw new JobctlError('use either --concurrency (closed loop) or --rate (open loop), not both');
    if (flags.task !== undefined && flags.probe !== undefined) throw new JobctlError('use either --task (your task) or --probe (a built-in workload), not both');
    if (flags.task !== undefined && flags.app === undefined) throw new JobctlError(`--task ${flags.task} needs --app (the Celery app that registers it, as for \`celery -A\`)`);
    const shape: LoadShape = flags.rate !== undefined ? { mode: 'open', ratePerSec: parseRate(flags.rate) } : { mode: 'closed', concurrency: flags.concurrency ?? 50 };
    const probe = flags.task === undefined ? probeTask(flags.probe ?? 'noop') : null;
    const args = flags.args !== undefined ? parseJsonArgs(flags.args) : probe?.args ?? [];
    const kwargs = parseJsonKwargs(flags.kwargs);
    const durationMs = flags.duration !== undefined ? parseDuration(flags.duration) : undefined;

    if (flags.report !== undefined) await assertWritable(flags.report);
    const quiet = this.jsonEnabled() || !process.stderr.isTTY;
    const controller = new AbortController();
    const interrupts = handleInterrupts({
      onFirst: () => controller.abort(),
      forceKill: killAllManagedSync,
      announce: (l) => this.progress(l.replace('stopping the worker and the broker', 'stopping the load and the worker')),
    });
    let result: LoadTestResult;
    try {
      result = await loadTest({
        root: project,
        ...(flags.app !== undefined ? { app: flags.app } : {}),
        ...(flags.python !== undefined ? { python: flags.python } : {}),
        ...(flags.broker !== undefined ? { broker: flags.broker } : {}),
        brokerKind: flags['broker-kind'] as 'auto' | 'redis' | 'rabbitmq',
        ...(flags['queue-type'] !== undefined ? { queueType: flags['queue-type'] as 'classic' | 'quorum' } : {}),
        allowRemote: flags['allow-remote'],
        allowSharedBroker: flags['allow-shared-broker'],
        ...(flags.pool !== undefined ? { pool: flags.pool } : {}),
        ...(flags['worker-concurrency'] !== undefined ? { workerConcurrency: flags['worker-concurrency'] } : {}),
        ...(flags['full-concurrency'] ? { fullConcurrency: true } : {}),
        task: flags.task ?? probe!.task,
        args,
        kwargs,
        shape,
        ...(flags.tasks !== undefined ? { tasks: flags.tasks } : {}),
        ...(durationMs !== undefined ? { durationMs } : {}),
        ...(flags.warmup !== undefined ? { warmupTasks: flags.warmup } : {}),
        taskTimeoutMs: parseDuration(flags['task-timeout'], '--task-timeout'),
        drainTimeoutMs: parseDuration(flags['drain-timeout'], '--drain-timeout'),
        thresholds: flags.threshold ?? [],
        ...(flags.baseline !== undefined ? { baselineFile: flags.baseline } : {}),
        signal: controller.signal,
        ...(quiet ? {} : { onProgress: (p: ProgressSnapshot) => process.stderr.write(`\r\x1b[K${progressLine(p)}`), onStatus: (m: string) => this.progress(m) }),
      });
    } catch (err) {
      interrupts.dispose();
      if (interrupts.exitCode !== null && !(err instanceof JobctlError && err.exitCode === 3)) throw new JobctlError(`interrupted (${interrupts.signal}) before the load started; every process jobctl started was stopped`, { exitCode: interrupts.exitCode });
      throw err;
    } finally {
      if (!quiet) process.stderr.write('\r\x1b[K');
    }
    if (interrupts.exitCode !== null) Object.assign(result, { interrupted: true, passed: false });
    result = maskDeep(result);
    if (flags.report) await writeReport(flags.report, renderLoadTestHtml(result));
    if (flags.junit) await writeJUnitFile(flags.junit, 'jobctl load-test', loadToJUnit(result));
    if (!this.jsonEnabled()) process.stdout.write(renderLoadTestText(result));
    else if (result.interrupted) this.progress(`jobctl: interrupted after ${fmtMs(result.durationMs)}; ${result.counts.published} published, ${result.counts.succeeded + result.counts.failed} finished`);
    this.setExitCode(result.interrupted ? interrupts.exitCode ?? 130 : result.passed ? 0 : 1);
    interrupts.dispose();
    return result;
  }
}

function progressLine(p: ProgressSnapshot): string {
  return `  ${fmtMs(p.elapsedMs)}  published ${p.published}  completed ${p.completed} (${fmtNum(p.completedPerSec)}/s)  failed ${p.failed}  p95 ${fmtMs(p.e2eP95)}  worker RSS ${fmtBytes(p.workerRssBytes)}`;
}

/** Refuse an unwritable --report before the run (the measured figures must never be lost to it). */
async function assertWritable(file: string): Promise<void> {
  if (file.trim() === '') throw new JobctlError('--report is empty; pass a file name such as load.html');
  const existed = await fs.stat(file).then(() => true, () => false);
  try {
    const handle = await fs.open(file, 'a');
    await handle.close();
    if (!existed) await fs.unlink(file);
  } catch (err) {
    throw new JobctlError(`${file}: cannot write the report (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); choose a writable path`, { file });
  }
}

async function writeReport(file: string, html: string): Promise<void> {
  try {
    await fs.writeFile(file, html);
  } catch (err) {
    throw new JobctlError(`${file}: cannot write the report (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); choose a writable path`, { file });
  }
}
