// Staged verification (the order `jobctl verify` runs them: cheap and static first, so a broken pin
// never gets as far as a load test) and rollback steps. Every step is a real command with what it
// should print; commands are run from the project root.
import path from 'node:path';
import type { ProjectModel } from '../model/types.js';
import type { ReleaseFacts } from '../knowledge/types.js';
import { generatorOf } from './generated.js';
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
  // never a test module (warehouse: tests/unit/test_tasks.py builds an app for its tests)
  const isTest = (f: string): boolean => /(^|\/)(tests?|testing)\/|(^|\/)(test_[^/]*|[^/]*_tests?|conftest)\.py$/.test(f);
  const app = model.apps.find((a) => !isTest(a.file)) ?? null;
  if (cmd?.app) {
    const [mod, variable] = cmd.app.split(':');
    // `-A shop` finds shop.app / shop.celery, then the app in the submodule shop.celery (celery/app/utils.py find_app)
    const match = model.apps.find((a) => a.module === mod) ?? model.apps.find((a) => a.module === `${mod}.celery` || a.module.endsWith(`.${mod}.celery`)) ?? model.apps.find((a) => a.module.endsWith(`.${mod}`));
    if (!variable && match && (match.module === `${mod}.celery` || match.module.endsWith(`.${mod}.celery`))) {
      const rel = match.module.replace(/\./g, '/');
      const base = match.file.endsWith(`/${rel}.py`) ? match.file.slice(0, -`/${rel}.py`.length) : '';
      return { dir: base, app: cmd.app, module: `${mod}.celery`, variable: match.variable };
    }
    // the folder the module is imported from: services/worker for acme_worker.celery_app in services/worker/acme_worker/
    const rel = mod!.replace(/\./g, '/');
    const file = match?.file ?? '';
    const base = file.endsWith(`/${rel}.py`) ? file.slice(0, -`/${rel}.py`.length) : file.endsWith(`/${rel}/__init__.py`) ? file.slice(0, -`/${rel}/__init__.py`.length) : '';
    return { dir: base, app: cmd.app, module: mod!, variable: variable ?? match?.variable ?? app?.variable ?? 'app' };
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

function locks(model: ProjectModel, rows: DependencyRow[], to?: ReleaseFacts): { file: string; command: string | null; exportOnly?: string }[] {
  const files = [...new Set(rows.filter((r) => r.isLock && r.where).map((r) => r.where!.replace(/:\d+$/, '')))];
  return files.map((file) => {
    const g = generatorOf(model, file);
    let command = g?.command ?? null;
    // pip-compile/uv keep every pin the old output still allows: name the target, or a range that admits
    // the old release (`celery>=4.4,<6`) regenerates the same Celery
    // (only a pip-compile / uv pip compile command line itself takes the option: not `make upgrade`, `tox -e ...`)
    if (command && to && /^(pip-compile|uv pip compile)\s/.test(command) && !/--upgrade(\s|$)|\s-U(\s|$)/.test(command)) command += ` --upgrade-package 'celery==${to.version}'`;
    // an export is written from its lock: the lock moves first (`poetry update --lock celery` keeps the rest)
    if (command && g?.lock && to) return { file, command: `${lockUpdate(g.lock, to)} && ${command}`, exportOnly: command };
    return { file, command };
  });
}

function lockUpdate(lock: string, to: ReleaseFacts): string {
  const dir = path.posix.dirname(lock);
  const base = path.posix.basename(lock);
  const cmd = base === 'poetry.lock' ? 'poetry update --lock celery' : base === 'uv.lock' ? `uv lock --upgrade-package celery==${to.version}` : 'pipenv lock';
  return dir === '.' ? cmd : `(cd ${shq(dir)} && ${cmd})`;
}

/** `pip install` of one manifest in its own format: a requirements file with -r, a package folder with -e. */
function installCommand(file: string): string {
  const base = path.posix.basename(file);
  const dir = path.posix.dirname(file);
  if (base === 'pyproject.toml' || base === 'setup.py' || base === 'setup.cfg') return dir === '.' ? 'pip install -e .' : `pip install -e ./${dir}`;
  return `pip install -r ${shq(file)}`;
}

/**
 * A lock is regenerated by the tool that owns it, never fed to pip: poetry.lock -> `poetry lock`, uv.lock ->
 * `uv lock`, Pipfile.lock -> `pipenv lock`; a pip-compile/uv output -> the command in its header, run
 * from where that command's paths point (the root when they name the lock's folder, else that folder).
 */
interface LockPlan {
  regen: string | null;
  install: string;
  check: string;
  celery: string;
}

function lockPlan(file: string, command: string | null, moveCelery: ReleaseFacts | null = null): LockPlan {
  const base = path.posix.basename(file);
  const dir = path.posix.dirname(file);
  const cd = dir === '.' ? '' : `cd ${shq(dir)} && `;
  const inDir = (cmd: string): string => (cd ? `(${cd}${cmd})` : cmd);
  if (moveCelery && /^(poetry|uv|Pipfile)\.lock$/.test(base)) {
    const tool = lockPlan(file, command);
    return { ...tool, regen: lockUpdate(file, moveCelery) };
  }
  if (base === 'poetry.lock') return { regen: inDir('poetry lock'), install: inDir('poetry install'), check: inDir('poetry run pip check'), celery: inDir('poetry run python -m celery --version') };
  if (base === 'uv.lock') return { regen: inDir('uv lock'), install: inDir('uv sync'), check: inDir('uv pip check'), celery: inDir('uv run python -m celery --version') };
  if (base === 'Pipfile.lock') return { regen: inDir('pipenv lock'), install: inDir('pipenv sync'), check: inDir('pipenv run pip check'), celery: inDir('pipenv run python -m celery --version') };
  let regen: string | null = null;
  if (command) {
    // `pip-compile --output-file=requirements/common.txt requirements/common.in` was run from the root
    // `make upgrade` / `tox -e upgrade` run where the Makefile/tox.ini is: the root
    const fromRoot = (dir !== '.' && command.includes(`${dir}/`)) || /^(make|tox|nox)\s/.test(command);
    regen = fromRoot || !cd ? command : `(${cd}${command})`;
  }
  return { regen, install: `pip install -r ${shq(file)}`, check: 'pip check', celery: 'python -m celery --version' };
}

export function verificationSteps(model: ProjectModel, to: ReleaseFacts, rows: DependencyRow[], edits: PlanEdit[]): VerificationStep[] {
  const steps: VerificationStep[] = [];
  steps.push({
    stage: 'static-audit', title: 'Static audit against the target',
    command: `jobctl audit . --target ${to.version} --fail-on error`,
    expect: `exit 0: no error-level finding for Celery ${to.version}${edits.some((e) => e.kinds.includes('rename-settings')) ? '; no JC101/JC102 left after the renames' : ''}`,
  });
  const isToolLock = (f: string): boolean => /(^|\/)(poetry|uv|Pipfile)\.lock$/.test(f);
  const celeryLocks = new Set(rows.filter((r) => r.name === 'celery' && r.isLock && r.where).map((r) => r.where!.replace(/:\d+$/, '')));
  // a manifest range that still admits the locked release (`celery = "^5.2.7"`): the tool must be told to move Celery
  const manifestBumped = rows.some((r) => r.name === 'celery' && !r.isLock && r.status === 'bump');
  const allLocks = locks(model, rows, to).map((l) => ({ file: l.file, exportOnly: l.exportOnly, ...lockPlan(l.file, l.command, manifestBumped ? null : to) }));
  // the tool that locks Celery resolves; pip-compile outputs are installed with pip
  const tool = allLocks.find((l) => isToolLock(l.file) && celeryLocks.has(l.file));
  const lockList = allLocks.filter((l) => !isToolLock(l.file));
  let command: string;
  if (tool) {
    // the project's own tool resolves and installs (its own virtualenv)
    // and the requirement files exported from that lock are written again from it
    const exports = lockList.flatMap((l) => (l.exportOnly ? [l.exportOnly] : []));
    command = [tool.regen!, ...exports, tool.install, tool.check, tool.celery].join(' && ');
  } else {
    const regen = [...new Set(lockList.map((l) => l.regen).filter((x): x is string => !!x))];
    const manifestFiles = manifests(rows);
    // the project's requirements WITH the target: installing Celery alone could not fail
    const installs = lockList.length > 0 ? lockList.map((l) => l.install) : manifestFiles.length > 0 ? manifestFiles.map(installCommand) : otherRequirementFiles(model).map((f) => `pip install -r ${shq(f)}`);
    // one pip run: the resolver must see every manifest at once (sub-packages pinning Celery's dependencies differently)
    const install = joinInstalls([...installs, ...(installs.length === 0 || manifestFiles.length === 0 ? [`pip install celery==${to.version}`] : [])]);
    command = [...regen, `python -m venv /tmp/jobctl-upgrade-venv`, `. /tmp/jobctl-upgrade-venv/bin/activate`, install, 'pip check', 'python -m celery --version'].join(' && ');
  }
  steps.push({
    stage: 'dependency-resolution', title: "Resolve and install the project's requirements with the new pins",
    command,
    expect: `the resolver finishes without a conflict (no ResolutionImpossible / SolverProblemError); \`pip check\` prints "No broken requirements found."; \`celery --version\` prints ${to.version}`,
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

/** `pip install -r a`, `pip install -e ./b` -> `pip install -r a -e ./b` (one resolution). */
function joinInstalls(installs: string[]): string {
  const pip = installs.filter((c) => c.startsWith('pip install '));
  const other = installs.filter((c) => !c.startsWith('pip install '));
  return [...(pip.length > 0 ? [`pip install ${pip.map((c) => c.slice('pip install '.length)).join(' ')}`] : []), ...other].join(' && ');
}

/** Requirement files the model read (no celery pin in them): installed next to the target so the check can fail. */
function otherRequirementFiles(model: ProjectModel): string[] {
  return [...new Set(model.dependencies.filter((d) => !d.isLock && /(^|\/)[^/]*requirements[^/]*\.(txt|in)$/.test(d.file) && !/(dev|test|lint|doc)/i.test(d.file)).map((d) => d.file))].filter((f) => f.endsWith('.txt'));
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
    command: manifests(rows).length > 0 ? joinInstalls(manifests(rows).map(installCommand)) : `pip install celery==${from.version}`,
    detail: `\`python -m celery --version\` must print ${from.version}`,
  });
  steps.push({
    title: 'Roll the workers back',
    command: null,
    detail: 'stop the upgraded workers with SIGTERM (warm shutdown lets running tasks finish), then redeploy the previous image or commit; queued messages stay in the broker and are picked up by the restored workers',
  });
  return steps;
}
