// Staged verification (the order `jobctl verify` runs them: cheap and static first, so a broken pin
// never gets as far as a load test) and rollback steps. Every step is a real command with what it
// should print; commands are run from the project root.
import path from 'node:path';
import type { ProjectModel } from '../model/types.js';
import type { ReleaseFacts } from '../knowledge/types.js';
import { lockCompileCommand } from './dependencies.js';
import type { DependencyRow, PlanEdit, RollbackStep, VerificationStep } from './types.js';

function shq(s: string): string {
  return /^[\w./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

interface AppRef {
  /** folder to run from (relative to the root, '' for the root) */
  dir: string;
  /** -A value */
  app: string;
  /** module and variable for a Python import */
  module: string;
  variable: string;
}

/** The app as the project's own worker command names it, else as the model found it. */
export function appRef(model: ProjectModel): AppRef | null {
  const cmd = model.workerCommands.find((w) => w.subcommand === 'worker' && w.app);
  const app = model.apps[0];
  if (cmd?.app) {
    const [mod, variable] = cmd.app.split(':');
    const match = model.apps.find((a) => a.module === mod || a.module.endsWith(`.${mod}`));
    return { dir: '', app: cmd.app, module: mod!, variable: variable ?? match?.variable ?? app?.variable ?? 'app' };
  }
  if (!app) return null;
  // a module importable from its own folder when there is no package above it (apps/backend/celery_config.py)
  const dir = path.posix.dirname(app.file);
  const hasInit = (d: string): boolean => model.files.some((f) => f.file === `${d}/__init__.py`);
  let top = dir === '.' ? '' : dir;
  let module = path.posix.basename(app.file, '.py');
  while (top && hasInit(top)) {
    module = `${path.posix.basename(top)}.${module}`;
    const up = path.posix.dirname(top);
    top = up === '.' ? '' : up;
  }
  return { dir: top, app: module, module, variable: app.variable };
}

function manifests(rows: DependencyRow[]): string[] {
  const files = rows.filter((r) => r.name === 'celery' && r.where && !r.isLock).map((r) => r.where!.replace(/:\d+$/, ''));
  return [...new Set(files)];
}

function locks(model: ProjectModel, rows: DependencyRow[]): { file: string; command: string | null }[] {
  const files = [...new Set(rows.filter((r) => r.isLock && r.where).map((r) => r.where!.replace(/:\d+$/, '')))];
  return files.map((file) => ({ file, command: lockCompileCommand(model.files.find((f) => f.file === file)?.text ?? '') }));
}

function installCommand(file: string): string {
  if (file.endsWith('pyproject.toml')) return file.includes('/') ? `pip install ./${path.posix.dirname(file)}` : 'pip install .';
  return `pip install -r ${shq(file)}`;
}

export function verificationSteps(model: ProjectModel, to: ReleaseFacts, rows: DependencyRow[], edits: PlanEdit[]): VerificationStep[] {
  const steps: VerificationStep[] = [];
  steps.push({
    stage: 'static-audit', title: 'Static audit against the target',
    command: `jobctl audit . --target ${to.version} --fail-on error`,
    expect: `exit 0: no error-level finding for Celery ${to.version}${edits.some((e) => e.kinds.includes('rename-settings')) ? '; no JC101/JC102 left after the renames' : ''}`,
  });
  const lockList = locks(model, rows);
  const installFrom = lockList.length > 0 ? lockList.map((l) => l.file) : manifests(rows);
  const regen = lockList.filter((l) => l.command).map((l) => `(cd ${shq(path.posix.dirname(l.file) || '.')} && ${l.command})`);
  const install = installFrom.length > 0 ? installFrom.map(installCommand).join(' && ') : `pip install celery==${to.version}`;
  steps.push({
    stage: 'dependency-resolution', title: 'Resolve and install the new pins in a fresh virtualenv',
    command: [...regen, `python -m venv /tmp/jobctl-upgrade-venv`, `. /tmp/jobctl-upgrade-venv/bin/activate`, install, 'pip check', 'python -m celery --version'].join(' && '),
    expect: `pip resolves without ResolutionImpossible; \`pip check\` prints "No broken requirements found."; \`celery --version\` prints ${to.version}`,
  });
  const app = appRef(model);
  const cd = app?.dir ? `cd ${shq(app.dir)} && ` : '';
  const taskNames = model.tasks.map((t) => t.name).sort();
  if (app) {
    const py = `import warnings; warnings.simplefilter("error", DeprecationWarning); from ${app.module} import ${app.variable} as app; app.loader.import_default_modules(); app.conf.table(); print(sorted(n for n in app.tasks if not n.startswith("celery.")))`;
    steps.push({
      stage: 'import-app', title: 'Import the app, load its config and list its tasks',
      command: `${cd}python -W error::DeprecationWarning -c ${shq(py)}`,
      expect: taskNames.length > 0 ? `prints the registered tasks, including ${taskNames.slice(0, 5).map((n) => `\`${n}\``).join(', ')}${taskNames.length > 5 ? ` (+${taskNames.length - 5} more)` : ''}; no ImproperlyConfigured, no deprecation warning` : 'prints the task list; no ImproperlyConfigured, no deprecation warning',
    });
    steps.push({
      stage: 'worker-start', title: 'Start one worker against a throwaway broker and wait for "ready"',
      command: `${cd}celery -A ${shq(app.app)} worker --pool=solo --loglevel=INFO`,
      expect: 'the log reaches "celery@<host> ready." with no CDeprecationWarning about settings and no "No such option"; stop it with Ctrl-C (warm shutdown)',
    });
  }
  steps.push({ stage: 'smoke-test', title: 'Run every task once through a real worker', command: 'jobctl smoke-test .', expect: 'exit 0: each task is received, runs and its result is read back' });
  steps.push({ stage: 'load-test', title: 'Load test with memory check', command: 'jobctl load-test .', expect: 'exit 0: latency percentiles within the thresholds and worker RSS flat after warm-up' });
  const hasTests = model.files.some((f) => /(^|\/)(tests?\/|test_[^/]*\.py$|[^/]*_test\.py$|conftest\.py$)/.test(f.file));
  steps.push({
    stage: 'test-suite', title: "The project's own tests on the new version",
    command: hasTests ? `${cd}python -m pytest -W error::DeprecationWarning` : 'python -m pytest',
    expect: hasTests ? 'all tests pass' : 'no test files were found: add at least one test that calls each task with .apply()',
  });
  return steps;
}

export function rollbackSteps(model: ProjectModel, from: ReleaseFacts, to: ReleaseFacts, rows: DependencyRow[], edits: PlanEdit[]): RollbackStep[] {
  const steps: RollbackStep[] = [];
  if (edits.length > 0) {
    const files = edits.map((e) => e.file);
    steps.push({
      title: 'Revert the edited files',
      command: `git checkout -- ${files.map(shq).join(' ')}`,
      detail: `or, outside git, reverse the patch saved before applying: \`jobctl upgrade-plan --from ${from.version} --to ${to.version} --format diff > upgrade-plan.patch\` then \`git apply -R upgrade-plan.patch\` (or \`patch -R -p1 < upgrade-plan.patch\`). Files: ${files.join(', ')}.`,
    });
  }
  for (const r of rows.filter((x) => x.name === 'celery' && x.where && !x.isLock && x.status === 'bump')) {
    steps.push({ title: `Restore the celery pin in ${r.where}`, command: null, detail: `write back \`${r.currentSpecifier ? `celery${r.currentSpecifier}` : 'celery'}\` (the line before the upgrade) if the file is not reverted as a whole` });
  }
  for (const l of locks(model, rows)) {
    steps.push({ title: `Restore the lock ${l.file}`, command: `git checkout -- ${shq(l.file)}`, detail: l.command ? `or regenerate it from the restored manifest: \`${l.command}\`` : 'restore the previous version of the lock file' });
  }
  steps.push({
    title: `Reinstall Celery ${from.version}`,
    command: manifests(rows).length > 0 ? manifests(rows).map(installCommand).join(' && ') : `pip install celery==${from.version}`,
    detail: `\`python -m celery --version\` must print ${from.version}`,
  });
  steps.push({
    title: 'Roll the workers back',
    command: null,
    detail: 'stop the upgraded workers with SIGTERM (warm shutdown lets running tasks finish), then redeploy the previous image or commit; queued messages stay in the broker and are picked up by the restored workers',
  });
  return steps;
}
