import { Args, Flags } from '@oclif/core';
import { JobctlCommand } from '../cli/base-command.js';
import { loadConfig } from '../engine/config.js';
import { runDrills, parseDrillList, ALL_DRILLS, type DrillReport } from '../drills/index.js';
import { drillLine, renderDrillText } from '../drills/render.js';
import { useColor } from '../report/index.js';
import { handleInterrupts } from '../runtime/lifecycle.js';
import { killAllManagedSync } from '../runtime/process-group.js';
import { JobctlError } from '../util/errors.js';
import { maskDeep } from '../util/mask.js';

export default class Drill extends JobctlCommand {
  static override summary = "Failure drills on the project's real worker: broker restart, pool child killed, visibility timeout, maxmemory, warm shutdown";
  static override description = `Each drill starts a private broker — redis-server (loopback, random password; the project's persistence or memory policy from redis.conf/compose where the drill is about it), or for an app on amqp:// jobctl's own RabbitMQ node (broker-restart, pool-kill, warm-shutdown) — and the project's real worker with jobctl's drill tasks, causes the fault, and reports a verdict, the timeline and counts, and the setting that would change the outcome. Timeouts are scaled down through the app's own settings so each drill takes seconds. Drills: ${ALL_DRILLS.join(', ')}. Exit 0 every drill passed, 1 a drill failed, 2 usage/config error, 3 broker or worker unavailable, 130 interrupted (Ctrl-C; what was measured is printed), 143 terminated.`;
  static override examples = [
    '<%= config.bin %> drill',
    '<%= config.bin %> drill --only broker-restart,pool-kill',
    '<%= config.bin %> drill --python .venv/bin/python --json',
  ];
  static override args = { path: Args.directory({ description: 'project folder (the worker runs here)', default: '.', exists: false }) };
  static override flags = {
    app: Flags.string({ char: 'A', summary: 'Celery app, as given to `celery -A` (default: jobctl.yaml `app`, or the one app found)' }),
    python: Flags.string({ summary: "the project's Python (default: jobctl.yaml `python`, $VIRTUAL_ENV, .venv, venv, Poetry env, python3)" }),
    only: Flags.string({ summary: `comma-separated drills to run (${ALL_DRILLS.join(', ')})` }),
    'broker-kind': Flags.string({ summary: "the broker the drills start: auto (the app's own: RabbitMQ for amqp:// when rabbitmq-server is installed, else Redis), redis or rabbitmq", options: ['auto', 'redis', 'rabbitmq'], default: 'auto' }),
    parallel: Flags.integer({ summary: 'drills run at once (each has its own broker and worker)', default: 1, min: 1, max: 5 }),
  };

  async run(): Promise<DrillReport> {
    const { args, flags } = await this.parse(Drill);
    const only = flags.only !== undefined ? parseDrillList(flags.only) : undefined;
    if (only && only.length === 0) throw new JobctlError(`--only is empty; name one of ${ALL_DRILLS.join(', ')}`);
    const config = await loadConfig(args.path);
    const abort = new AbortController();
    const interrupts = handleInterrupts({ onFirst: () => abort.abort(), forceKill: killAllManagedSync, announce: (l) => this.progress(l) });
    try {
      const report = maskDeep(await runDrills({
        root: args.path, config, signal: abort.signal, parallel: flags.parallel, brokerKind: flags['broker-kind'] as 'auto' | 'redis' | 'rabbitmq',
        ...(only ? { only } : {}), ...(flags.app ? { app: flags.app } : {}), ...(flags.python ? { python: flags.python } : {}),
        onDrill: (d) => this.progress(drillLine(d)),
        onEvent: (id, e) => this.progress(`  [${id} ${(e.atMs / 1000).toFixed(1)} s] ${e.event}`),
      }));
      if (interrupts.exitCode !== null) Object.assign(report, { interrupted: true, ok: false, exitCode: interrupts.exitCode });
      if (!this.jsonEnabled()) process.stdout.write(renderDrillText(report, { color: useColor(process.stdout) }));
      this.setExitCode(report.exitCode);
      return report;
    } catch (err) {
      if (interrupts.exitCode !== null) throw new JobctlError(`interrupted (${interrupts.signal}) before the first drill finished; every process jobctl started was stopped`, { exitCode: interrupts.exitCode });
      throw err;
    } finally {
      interrupts.dispose();
    }
  }
}
