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
}

/** A row from Celery's docs table that disagrees with the code: the name the docs give is ignored. */
export interface DocTableMismatch {
  docOldName: string;
  /** the new name the docs pair it with */
  docNewName: string;
  /** the old name Celery's code actually reads for docNewName, if any */
  codeOldName: string | null;
  note: string;
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
  /** Requires-Dist of the wheel without extras markers: name -> specifier, e.g. kombu: '<6.0,>=5.3.2' */
  requires: Record<string, string>;
  /** Requires-Dist per extra: extra -> (name -> specifier with marker) */
  extras: Record<string, Record<string, string>>;
  /** new-style setting names present in celery.app.defaults of this release */
  settings: string[];
  /** setting -> default repr where it differs from the newest release examined */
  defaults: Record<string, string>;
  /** where these facts were read */
  source: string;
}

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
  /** every release examined, oldest first */
  releases: ReleaseFacts[];
  /** every setting known to the newest release (plus removed ones, with removedIn) */
  settings: Map<string, SettingFact>;
  /** old name (exact case as Celery compares: upper) -> new name, from defaults._TO_NEW_KEY */
  oldToNew: Map<string, string>;
  docTableMismatches: DocTableMismatch[];
  behaviourChanges: BehaviourChange[];
  newestVersion: string;
  releaseFor(spec: string): ReleaseFacts | null;
}
