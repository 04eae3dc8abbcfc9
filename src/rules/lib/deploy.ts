// Facts about where a worker command runs, shared by the deploy rules (JC402, JC403).
import type { WorkerCommand } from '../../model/types.js';
import { isDevOnlyFile } from './secrets.js';

const CONTAINER_SOURCES = new Set<WorkerCommand['source']>(['compose', 'dockerfile', 'k8s']);

/** the command runs in a container: written in compose/Dockerfile/k8s, in a script one of them runs, or a Procfile a container platform runs */
export function runsInContainer(w: WorkerCommand): boolean {
  return CONTAINER_SOURCES.has(w.source) || w.platform !== undefined || (w.launchedBy ?? []).some((l) => CONTAINER_SOURCES.has(l.source));
}

/**
 * Every worker command found sets this option on its command line (`--time-limit=300`, or `$LIMIT`
 * whose value is unknown — set either way; the CLI overrides the app's config, as in Celery).
 */
export function everyWorkerSets(workers: WorkerCommand[], key: string): boolean {
  const ws = workers.filter((w) => w.subcommand === 'worker');
  return ws.length > 0 && ws.every((w) => w.options?.[key] !== undefined);
}

/** every place that starts this command is a developer-machine file (`docker-compose.local.yml`, `*.dev.yml`) */
export function onlyInDevelopment(w: WorkerCommand): boolean {
  const origins = w.launchedBy && w.launchedBy.length > 0 ? w.launchedBy.map((l) => l.file) : [w.file];
  return origins.every(isDevOnlyFile);
}
