// Release knowledge: facts about Celery releases and settings, generated from the real packages
// by scripts/gen-release-data.py (see docs/knowledge.md). Hand-written entries cite their source.

export interface SettingFact {
  /** new-style (lowercase) name, e.g. 'task_serializer' */
  name: string;
  /** Python repr of the default, as in celery/app/defaults.py */
  default: string;
  type: string;
  /** old-style aliases that Celery's code maps to this name (defaults._TO_NEW_KEY), e.g. ['CELERY_TASK_SERIALIZER'] */
  oldNames: string[];
  /** first release that has it (e.g. '5.3.0'), or '<=5.0.0' when older than every release examined */
  since: string;
  /** first release that no longer has it, when removed */
  removedIn?: string;
  /** Option(deprecate_by=..., remove_by=...) when set */
  deprecateBy?: string;
  removeBy?: string;
  /** Option(alt=...): the replacement Celery names in its deprecation warning */
  alt?: string;
  /** default repr at every release where it changed (first entry = value at `since`); only when it changed */
  defaultChanges?: { version: string; default: string }[];
  /** releases between `since` and the last release that has it where it was missing (normally absent) */
  absentIn?: string[];
}

/** A row from Celery's docs table that disagrees with the code: the name the docs give is ignored. */
export interface DocTableMismatch {
  docOldName: string;
  /** the new name the docs pair it with */
  docNewName: string;
  /** the old name Celery's code actually reads for docNewName, if any */
  codeOldName: string | null;
  note: string;
  /** all old names the code maps to docNewName, when there is more than one */
  codeOldNames?: string[];
  /** what the code maps docOldName itself to, when it maps it at all (the DOC-TABLE MISMATCH rows) */
  codeMapsDocOldNameTo?: string;
}

export interface ReleaseFacts {
  version: string; // '5.3.4'
  date: string | null; // upload date (YYYY-MM-DD)
  yanked: boolean;
  yankedReason?: string;
  /** Requires-Python of the wheel, e.g. '>=3.8' */
  requiresPython: string | null;
  /** Python minor versions from the trove classifiers, e.g. ['3.8','3.9','3.10','3.11'] */
  pythonClassifiers: string[];
  /**
   * Requires-Dist of the wheel without extras markers: name -> specifier, e.g. kombu: '<6.0,>=5.3.2'.
   * Format of every value (here and in `extras`): names are lowercased; the value is the PEP 440 specifier
   * as packaging prints it (clauses sorted, e.g. '!=4.5.5,<6.0.0,>=4.5.2'), followed by '; <marker>' when
   * the requirement has an environment marker other than the `extra == ...` clause. An UNVERSIONED
   * requirement has the value '' (empty string -- test with `name in obj`, not truthiness), e.g.
   * celery 5.5.3+ `extras.redis.kombu === ''` for `kombu[redis]`. The same name listed twice (different
   * markers) is joined with ' || '. Extras requested of a dependency (the `[redis]` in `kombu[redis]`)
   * are not in the key; see `requiresDist` for the raw lines.
   */
  requires: Record<string, string>;
  /** Requires-Dist per extra: extra -> (name -> specifier with marker); every Provides-Extra has a key */
  extras: Record<string, Record<string, string>>;
  /** the raw Requires-Dist lines of the wheel's METADATA, in order */
  requiresDist?: string[];
  /** _TO_NEW_KEY entries of this release that differ from (or are missing in) the newest release's map */
  oldToNewDiff?: Record<string, string>;
  /** old names of the newest release's map, for settings this release has, that this release's map lacks */
  oldToNewMissing?: string[];
  /** new-style setting names present in celery.app.defaults of this release */
  settings: string[];
  /** setting -> default repr where it differs from the newest release examined */
  defaults: Record<string, string>;
  /** where these facts were read */
  source: string;
  /**
   * Celery 3.1.x/4.x (legacy-releases.json): a release a plan can start FROM. Its `settings` are the new-style
   * names of what it reads (3.1 only knows old names: mapped through the newest _TO_NEW_KEY); `defaults` and the
   * _TO_NEW_KEY differences are not recorded. Not in `Knowledge.releases` (5.x only); `releaseFor` finds it.
   */
  legacy?: boolean;
  /** legacy only: old names of that release with no 5.x counterpart (removed in 4.0/5.0) */
  removedSettings?: string[];
  /** legacy only: the release reads old uppercase names only (3.1) */
  oldStyleOnly?: boolean;
}

/** Facts about one kombu release (the transport library Celery pins); same field semantics as ReleaseFacts. */
export interface KombuReleaseFacts {
  version: string;
  date: string | null;
  yanked: boolean;
  yankedReason?: string;
  requiresPython: string | null;
  pythonClassifiers: string[];
  requires: Record<string, string>;
  extras: Record<string, Record<string, string>>;
  requiresDist?: string[];
  source: string;
}

/** A release that was tagged/announced but has no files on PyPI (cannot be installed). Hand-written, cited. */
export interface UnpublishedRelease {
  version: string;
  note: string;
  sources: { title: string; ref: string }[];
}

/**
 * `appliesWhen` vocabulary (an entry applies when ANY of its conditions holds):
 *  - 'always'                      every project upgrading across `version`
 *  - 'setting:<new_name>'          the project sets this setting (in any spelling: new, old alias, CELERY_ namespaced)
 *  - 'setting-unset:<new_name>'    the project does NOT set it (e.g. warnings about an unset setting)
 *  - 'backend:<scheme>'            result backend URL scheme / alias: redis, rediss, sentinel, db (any db+...), rpc,
 *                                  amqp, mongodb, cache, cassandra, consul, riak, azureblockblob, ...
 *  - 'transport:<scheme>'          broker URL scheme: amqp, amqps, redis, rediss, sentinel, sqs, ...
 *  - 'python<3.10', 'python>=3.11' the project's Python (operators <, <=, >, >=, ==; minor versions)
 *  - 'pool:<name>'                 worker pool: prefork, threads, solo, gevent, eventlet, custom
 *  - 'extra:<name>'                the project installs celery[<name>]
 *  - 'dependency:<name>'           the project's requirements/lock name this distribution (lowercase)
 *  - 'import:<module>'             the project's code imports this module (or a submodule)
 *  - 'version:<x.y.z>'             the project's current Celery version is exactly this
 *  - 'django'                      Django project (config_from_object('django.conf:settings') or a settings module)
 *  - 'pydantic'                    tasks declared with pydantic=True
 *  - 'beat'                        celery beat is run (Procfile/compose/systemd/CLI) or beat_schedule is set
 *  - 'quorum-queues'               task_default_queue_type='quorum' or x-queue-type=quorum queues
 *  - 'old-setting-names'           old uppercase setting names are used
 *  - 'cli'                         the celery command line is invoked (Procfile, compose, systemd, Dockerfile, scripts)
 *  - 'canvas'                      chains/groups/chords are used
 *  - 'async-def-task'              a task function is `async def`
 *  - 'asyncio-in-task'             task code uses asyncio (asyncio.run, get_event_loop, ...)
 *  - 'legacy-cli-option'           a worker/beat command uses an option of the current 3.1/4.x line that 5.0 renamed
 *                                  or removed (legacy-releases.json `cli`)
 *  - 'task-class'                  the project subclasses Celery's Task (custom base class or class-based task), or
 *                                  sets one with base=, app.Task = or Celery(task_cls=)
 *  - 'task-class-member:<name>'    a custom Task class of the project defines <name> (method or class attribute)
 *  - 'task-retry'                  task code calls a task's retry() (`self.retry(...)`)
 *  - 'env:<NAME>'                  the project sets the environment variable NAME (Dockerfile, compose, .env, systemd, k8s, ...)
 *  - 'eager'                       tasks run eagerly somewhere (task_always_eager / CELERY_TASK_ALWAYS_EAGER = True, test settings too)
 * Conditions joined with '&' ('django&task-class') hold when every part holds; the list itself is an OR.
 * 'import:<module>' also matches `from <parent> import <name>` (`from celery import task` is import:celery.task).
 * Entries whose id starts with 'false-claim-' record claims from upgrade write-ups that are wrong
 * (each rebutted with a public source); their title starts with 'Myth:'.
 */
export interface BehaviourChange {
  id: string;
  /** the first version with the change, e.g. '5.5.0' */
  version: string;
  kind: 'breaking' | 'behaviour' | 'deprecation' | 'security' | 'memory-leak' | 'dependency' | 'python';
  title: string;
  /** markdown: what changed and why it matters */
  detail: string;
  /** what in a project makes this change relevant (checked by the planner), e.g. 'setting:database_create_tables_at_setup', 'backend:db', 'transport:sqs', 'python>=3.11', 'always' */
  appliesWhen: string[];
  /** what to do */
  action?: string;
  sources: { title: string; ref: string }[];
}

export interface Knowledge {
  /** every 5.x release examined, oldest first */
  releases: ReleaseFacts[];
  /** Celery 3.1.x and 4.x (legacy-releases.json), oldest first: plans can start from them */
  legacyReleases?: ReleaseFacts[];
  /** every setting known to the newest release (plus removed ones, with removedIn) */
  settings: Map<string, SettingFact>;
  /** old name (exact case as Celery compares: upper) -> new name, from defaults._TO_NEW_KEY */
  oldToNew: Map<string, string>;
  docTableMismatches: DocTableMismatch[];
  behaviourChanges: BehaviourChange[];
  newestVersion: string;
  releaseFor(spec: string): ReleaseFacts | null;
  /** kombu releases from 5.0.0 on, oldest first */
  kombuReleases?: KombuReleaseFacts[];
  /** releases announced but not on PyPI (5.3.2, 5.3.3) */
  unpublishedReleases?: UnpublishedRelease[];
  /**
   * The kombu release a fresh `pip install celery==<celeryVersion>` resolves to: the newest non-yanked
   * kombu satisfying that release's kombu pin (and, when `python` is given as '3.11', its Requires-Python).
   */
  kombuFor?(celeryVersion: string, python?: string): KombuReleaseFacts | null;
  /**
   * Public names (and whole modules) of the celery package that a release line has and the next one
   * no longer has, read from the wheels by scripts/gen-removed-names.py (removed-names.json).
   */
  removedNames?: RemovedNames[];
}

export interface RemovedNames {
  /** newest release of the older line, e.g. '5.6.3' */
  from: string;
  /** newest release of the newer line, e.g. '5.7.0' */
  to: string;
  modules: string[];
  /** module -> names defined there in `from` and gone in `to` */
  names: Record<string, string[]>;
}
