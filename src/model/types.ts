// The project model: everything jobctl knows about a Celery project, read from its files.
// Every command (audit, upgrade-plan, checklist, smoke-test, verify) works from this one model,
// so no second parser ever reads the same file. Paths are POSIX, relative to ProjectModel.root.
// Lines and columns are 1-based (what editors, SARIF and GitHub annotations expect).

import type { TsModel } from './typescript/types.js';

export interface Location {
  file: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
}

/** A Python value as far as it can be known without running the code. */
export type PyValue =
  | { kind: 'str'; value: string }
  | { kind: 'num'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'none' }
  | { kind: 'list'; items: PyValue[]; brackets: 'list' | 'tuple' | 'set' }
  | { kind: 'dict'; entries: { key: PyValue; value: PyValue }[] }
  /** os.environ.get('X', default) / os.getenv('X') / os.environ['X'] / env('X') (django-environ) */
  | { kind: 'env'; name: string; default?: PyValue }
  /** a bare name or attribute that could not be resolved, e.g. `settings.REDIS_URL` */
  | { kind: 'name'; dotted: string }
  /** anything else: the source text */
  | { kind: 'expr'; text: string };

/** Where a group of settings comes from. Celery reads each differently (namespaces, majority rule). */
export type ConfigSourceKind =
  | 'celery-ctor' // Celery('x', broker=..., backend=..., include=...)
  | 'conf-update' // app.conf.update(...) / app.conf.update({...})
  | 'conf-attr' // app.conf.task_serializer = 'json' / app.conf['x'] = ...
  | 'config-module' // module-level assignments of a module named by config_from_object('mod') or celeryconfig.py
  | 'config-object' // attributes of a class named by config_from_object(Config)
  | 'django-settings' // Django settings read through config_from_object('django.conf:settings', namespace=...)
  | 'flask-config'; // a Flask app's config handed to app.conf.update(flask_app.config): its CELERY_*/old-style keys

export interface SettingAssignment {
  /** the key exactly as written: 'CELERY_BROKER_URL', 'task_serializer', 'BROKER_URL' */
  name: string;
  value: PyValue;
  /** source text of the value (never printed for secret-looking keys: see util/mask.ts) */
  valueText: string;
  loc: Location;
  /** Location of the key itself (for renames). For kwargs it is the kwarg name; for module vars the target. */
  keyLoc: Location;
}

export interface ConfigSource {
  id: string;
  kind: ConfigSourceKind;
  /** the file holding the settings (for config-module/django-settings: that module's file) */
  file: string;
  /** the call that wires this source into the app (config_from_object(...), conf.update(...)), if any */
  loc: Location;
  /** namespace given to config_from_object (e.g. 'CELERY'), or null */
  namespace: string | null;
  /** the app this source configures, when known */
  appId: string | null;
  /** for config_from_object: the string/name passed, e.g. 'django.conf:settings', 'proj.celeryconfig' */
  objectRef?: string;
  /** true when the source string is exactly 'django.conf:settings' (Celery then suppresses deprecation warnings) */
  isDjangoConfSettings?: boolean;
  /**
   * How this module was chosen when more than one could be: 'CELERY_CONFIG_MODULE=proj.prod (Dockerfile:4)'.
   * Findings in a candidate say which one it is; each candidate is read.
   */
  chosenBy?: string;
  settings: SettingAssignment[];
}

export interface CeleryApp {
  id: string;
  /** variable the instance is bound to: 'app', 'celery_app' */
  variable: string;
  /** importable module path of the file, e.g. 'proj.celery' (best effort from the file path) */
  module: string;
  /** first positional arg / main= */
  main: string | null;
  file: string;
  loc: Location;
  configSourceIds: string[];
  /** autodiscover_tasks(...) called on it */
  autodiscover: boolean;
}

export type TaskDecorator = 'shared_task' | 'app.task' | 'class';

export interface CallSite {
  /** dotted callee as written, e.g. 'asyncio.run', 'loop.run_until_complete', 'helper', 'self.retry', 'result.get' */
  callee: string;
  /** the callee resolved through imports where possible, e.g. 'asyncio.run' for `from asyncio import run; run()` */
  resolved: string;
  loc: Location;
  /** source text of the arguments (without parentheses), for messages */
  argsText: string;
  /** keyword args that are literals, e.g. {timeout: {kind:'num', value:5}} */
  kwargs: Record<string, PyValue>;
  /** number of positional args */
  positionalCount: number;
  /** true when this call is itself inside an `await` expression or inside an async def */
  inAsyncContext: boolean;
}

export interface FunctionDef {
  /** 'module.path:func' or 'module.path:Class.method' */
  id: string;
  name: string;
  module: string;
  file: string;
  loc: Location;
  isAsync: boolean;
  params: string[];
  calls: CallSite[];
  /** ids of FunctionDefs of this project that this function calls (resolved through imports, same module, self.method) */
  callees: string[];
  /** attribute chains read from module-level names, e.g. ['client', 'engine'] (for loop-bound-object reuse checks) */
  moduleGlobalsUsed: string[];
}

export interface TaskDef {
  /** the registered name: name= option, else '<module>.<function>' as Celery derives it */
  name: string;
  /** true when the name came from name=... (exact) rather than derived from the module path (best effort) */
  explicitName: boolean;
  functionId: string;
  functionName: string;
  module: string;
  file: string;
  loc: Location;
  decorator: TaskDecorator;
  /** variable of the app for @app.task, e.g. 'celery_app' */
  appVariable: string | null;
  /** the app that variable is (CeleryApp.id), when jobctl could follow it */
  appId?: string;
  /** decorator keyword options: bind, max_retries, autoretry_for, time_limit, soft_time_limit, acks_late, queue, ... */
  options: Record<string, PyValue>;
  optionLocs: Record<string, Location>;
  isAsync: boolean;
  params: string[];
  /** lines of the task body, for stub detection (only used by readiness rules) */
  bodyText: string;
}

/** What runs a script: the compose service, Dockerfile, k8s container, unit or process that names it. */
export interface Launcher {
  source: 'compose' | 'procfile' | 'dockerfile' | 'systemd' | 'shell' | 'k8s' | 'other';
  file: string;
  loc: Location;
  /** compose service / k8s container / Procfile process / supervisord program */
  processName?: string;
  /** the file is part of the launcher's own config (supervisord `[include] files=`): what runs that config runs it */
  include?: boolean;
}

/**
 * A worker option read from its command line, keyed by the Celery setting it overrides
 * (`-c` → worker_concurrency, `--time-limit` → task_time_limit). `unknown` when the value comes from a
 * variable (`-c $WORKERS`) or a template jobctl could not resolve: the option is set, its value is not known.
 */
export type CommandOption =
  | { state: 'known'; value: string; text: string }
  | { state: 'unknown'; text: string; reason: string };

/** A container probe (Kubernetes livenessProbe/readinessProbe/startupProbe, compose healthcheck). */
export interface ProbeFact {
  kind: 'exec' | 'httpGet' | 'tcpSocket' | 'grpc' | 'none';
  /** the exec command as one string, or the path/port probed */
  command: string;
  loc: Location;
}

/** How the platform stops and checks the process (Kubernetes pod spec, compose service). */
export interface DeployFacts {
  /** seconds between SIGTERM and SIGKILL: terminationGracePeriodSeconds / stop_grace_period */
  gracePeriodSeconds?: number;
  livenessProbe?: ProbeFact;
  readinessProbe?: ProbeFact;
  startupProbe?: ProbeFact;
  /** Kubernetes kind running it: Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod */
  kind?: string;
  replicas?: number;
}

/** A worker/beat command line found in compose, Procfile, Dockerfile, systemd, shell scripts, k8s. */
export interface WorkerCommand {
  source: 'compose' | 'procfile' | 'dockerfile' | 'systemd' | 'shell' | 'k8s' | 'other';
  file: string;
  loc: Location;
  /** the whole command text as written */
  raw: string;
  /** shell-split words of the celery invocation (starting at 'celery' or 'python -m celery') */
  argv: string[];
  /** the celery sub-command: 'worker', 'beat', 'flower', ... or null */
  subcommand: string | null;
  app: string | null;
  pool: string | null;
  concurrency: number | null;
  queues: string[];
  /** compose service / Procfile process name, when there is one */
  processName?: string;
  /** the node of a `celery multi start w1 w2 …` line this worker is (each node is a WorkerCommand of its own) */
  node?: string;
  /** the celery invocation runs in the background of a shell (`a & celery ...`) */
  backgrounded?: boolean;
  /** `exec celery …`: the shell replaces itself with Celery */
  exec?: boolean;
  /** written inside a `sh -c '…'` / `bash -c '…'` string (the shell may exec its last command itself) */
  inShellString?: boolean;
  /** one node of a `celery multi start …` line (multi detaches its nodes and exits) */
  multi?: boolean;
  /** a platform that runs this command in a container with a CPU share (Procfile on Cloud Foundry, Heroku, Copilot): what says so */
  platform?: { name: string; file: string };
  /** for a command in a script: what runs that script (compose `command: /start-celeryworker`, ExecStart=, …) */
  launchedBy?: Launcher[];
  /** worker options given on the command line, by the Celery setting they override (CLI beats config) */
  options?: Record<string, CommandOption>;
  /** stop and health facts of the container/unit that runs it */
  deploy?: DeployFacts;
}

export interface Dependency {
  /** normalized name (PEP 503: lowercase, runs of -_. become -) */
  name: string;
  /** as written */
  rawName: string;
  extras: string[];
  /** PEP 440 specifier as written ('==5.3.4', '>=5.3,<6', '^5.3.0' for poetry), '' when unpinned */
  specifier: string;
  /** exact version when the specifier pins one or a lock file says so */
  version: string | null;
  /** the specifier in PEP 440 form when it was written in another syntax (Poetry's `^5.3`, `~5.3`) */
  pep440?: string;
  /** environment marker as written, if any */
  marker?: string;
  file: string;
  loc: Location;
  kind: 'requirements' | 'pyproject-pep621' | 'pyproject-poetry' | 'poetry-lock' | 'uv-lock' | 'pipfile' | 'pipfile-lock' | 'setup-cfg' | 'setup-py';
  /** lock files describe what is installed; manifests what is allowed */
  isLock: boolean;
}

export interface PythonVersionFact {
  /** a PEP 440 specifier ('>=3.11', '==3.13.*') or a version ('3.13.5') */
  value: string;
  /** true when value is a single version (from .python-version, FROM python:3.13) */
  exact: boolean;
  file: string;
  loc: Location;
  source: 'requires-python' | 'python-version-file' | 'dockerfile' | 'poetry' | 'pipfile' | 'runtime-txt' | 'setup' | 'uv-lock';
}

export interface EnvVar {
  key: string;
  value: string;
  loc: Location;
}

export interface EnvFile {
  file: string;
  vars: EnvVar[];
  /** tracked by git (committed); null when the project is not a git checkout */
  gitTracked: boolean | null;
}

export interface ComposeService {
  name: string;
  file: string;
  loc: Location;
  image: string | null;
  command: string | null;
  environment: EnvVar[];
  /** port mappings as written, e.g. '6379:6379', '127.0.0.1:6379:6379' */
  ports: { value: string; loc: Location }[];
}

/**
 * A container image the project runs (compose `image:`, a Kubernetes container's `image:`, a Dockerfile's `FROM` of a
 * server image): which servers it
 * brings (RabbitMQ, Redis) and at which tag. The tag as written; `null` when the image names none (`latest`).
 */
export interface ContainerImage {
  /** the image reference as written: 'rabbitmq:3.13-management', 'bitnami/rabbitmq:4.1.0-debian-12-r1' */
  image: string;
  source: 'compose' | 'k8s' | 'dockerfile';
  file: string;
  loc: Location;
  /** compose service / k8s container name */
  name?: string;
}

export interface RedisConfDirective {
  name: string; // lower-case directive
  args: string[];
  loc: Location;
}

export interface RedisConf {
  file: string;
  directives: RedisConfDirective[];
}

export interface Note {
  level: 'info' | 'warning';
  file?: string;
  message: string;
}

/**
 * An environment variable given a value by something that runs the project: a Dockerfile `ENV`,
 * compose `environment:`/`env_file:`, a `.env` file, systemd `Environment=`, supervisord `environment=`,
 * a Kubernetes `env:` entry, or Python's own `os.environ.setdefault('X', 'v')`. Readers that resolve
 * `config_from_envvar('X')` or `DJANGO_SETTINGS_MODULE` look here; several candidates may exist.
 */
export interface EnvAssignment {
  key: string;
  value: string;
  file: string;
  loc: Location;
  source: 'dockerfile' | 'compose' | 'dotenv' | 'systemd' | 'supervisord' | 'k8s' | 'python' | 'pytest' | 'shell' | 'other';
  /** the compose service / k8s container / systemd unit it applies to, when there is one */
  scope?: string;
  /** the deploy file that defines that scope, when it is not `file` (the compose file whose env_file: loads this .env) */
  scopeFile?: string;
}

/**
 * Something jobctl knows the project uses but could not read: a config module chosen by an env var that
 * names no file here, a base class from an installed package, a templated file, a Helm expression, a file
 * over the size limit. Rules that assert the absence of a setting stay silent when the source that could
 * hold it is unread; JC001 reports each entry.
 */
export interface UnreadSource {
  /** where the reference to the unread thing is (the config_from_envvar call, the template file, ...) */
  file: string;
  loc?: Location;
  /** what could not be read, in words a user recognises: "config module chosen by $CELERY_CONFIG_MODULE" */
  what: string;
  /** why: "not found in the project", "base class from an installed package", "Jinja template", ... */
  reason: string;
  /** the app it concerns, when known (CeleryApp.id) */
  appId?: string;
  /**
   * For a config module chosen by an environment variable: the variable, the value that names the unread module
   * and where that value is set ('docker/web/Dockerfile:4'). A value only another process gets (a web image's
   * ENV, when every worker sets its own) is not that worker's config.
   */
  choice?: { key: string; value: string; by: string };
  /**
   * What the unread source could hold: 'config' (Celery settings), 'deploy' (worker command lines and their
   * flags), 'code' (tasks). Absent = could hold anything; rules then treat every fact of the app as unknown.
   */
  holds?: 'config' | 'deploy' | 'code';
}

/**
 * The state of one fact as far as jobctl read the project: known (with where), absent (everything that
 * could hold it was read and it is not there), or unknown (something that could hold it was not read).
 * Rules that assert an absence report only on 'absent'.
 */
export type FactState<T> =
  | { state: 'known'; value: T; loc: Location }
  | { state: 'absent' }
  | { state: 'unknown'; reasons: string[] };

export interface SourceFileInfo {
  file: string;
  kind: 'python' | 'requirements' | 'pyproject' | 'lock' | 'env' | 'compose' | 'procfile' | 'dockerfile' | 'systemd' | 'redis-conf' | 'shell' | 'setup' | 'other' | 'typescript' | 'npm';
  /** raw text, kept so suppressions and diffs can be computed without a second read */
  text: string;
}

export interface ProjectModel {
  root: string;
  files: SourceFileInfo[];
  apps: CeleryApp[];
  configSources: ConfigSource[];
  tasks: TaskDef[];
  functions: FunctionDef[];
  dependencies: Dependency[];
  pythonVersions: PythonVersionFact[];
  workerCommands: WorkerCommand[];
  envFiles: EnvFile[];
  composeServices: ComposeService[];
  redisConfs: RedisConf[];
  /** container images run by compose services and Kubernetes containers (servers the project brings: RabbitMQ, Redis) */
  images?: ContainerImage[];
  /** things jobctl could not read or had to guess; never fatal */
  notes: Note[];
  /** environment variables set by the project's deploy files and code (see EnvAssignment) */
  envAssignments: EnvAssignment[];
  /** sources jobctl knows about but could not read (see UnreadSource); reported by JC001 */
  unread: UnreadSource[];
  /** TypeScript/JavaScript producers and BullMQ workers (src/model/typescript); absent when the project has none */
  ts?: TsModel;
  /**
   * Python files a Dockerfile puts at another project path in the image (`RUN cp docker/config.py settings/config.py`
   * after `COPY . /app`, or `COPY docker/config.py /app/settings/config.py`): the image imports `from` as the module
   * at `to`. Filled by the deploy readers (src/model/integrations/references.ts) before Python is read.
   */
  placedFiles?: PlacedFile[];
}

export interface PlacedFile {
  /** the project file (relative POSIX path) */
  from: string;
  /** the project-relative path it takes in the image, where the project has no file */
  to: string;
  /** the COPY / RUN cp line */
  loc: Location;
}
