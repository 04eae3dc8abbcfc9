// Facts about where a worker command runs, shared by the deploy rules (JC402, JC403).
import type { ProjectModel, WorkerCommand } from '../../model/types.js';
import { isDevOnlyFile } from './secrets.js';
import { isTestFile } from './settings.js';

export const CONTAINER_SOURCES = new Set<WorkerCommand['source']>(['compose', 'dockerfile', 'k8s']);

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

/**
 * Every place that starts this command is a developer-machine or test file (`docker-compose.local.yml`, `*.dev.yml`,
 * a test project's `tests/docker-entrypoint.sh`), or the command's own script is test infrastructure.
 */
export function onlyInDevelopment(w: WorkerCommand): boolean {
  if (isTestFile(w.file)) return true;
  const origins = w.launchedBy && w.launchedBy.length > 0 ? w.launchedBy.map((l) => l.file) : [w.file];
  return origins.every((f) => isDevOnlyFile(f) || isTestFile(f));
}

/**
 * An init process runs the project's containers: tini or dumb-init in a Dockerfile's ENTRYPOINT/CMD, s6-overlay's
 * `/init`, or compose `init: true` (Docker's tini). dumb-init signals the process group, tini only with -g: an
 * init process makes the shell-signal rules stay silent rather than guess which.
 * Checked over the whole project: which image a compose service or k8s container runs is not always known.
 */
export function containerInit(model: ProjectModel): boolean {
  return model.files.some((f) => (f.kind === 'dockerfile' && /^\s*(ENTRYPOINT|CMD)\b[^\n]*(\btini\b|dumb-init|"\/init"|\s\/init\b)/im.test(f.text))
    || (/\.ya?ml$/.test(f.file) && /^\s+init:\s*true\b/m.test(f.text)));
}

/** the script traps TERM (`trap 'kill -TERM $child; wait' TERM`): it hands the signal on itself */
export function trapsTerm(model: ProjectModel, file: string): boolean {
  const text = model.files.find((f) => f.file === file)?.text ?? '';
  return /^\s*trap\b[^\n]*\b(TERM|SIGTERM|15)\b/m.test(text);
}
