// "Is setting X set for app A?" answered as known / absent / unknown. Every rule that asserts an absence
// (no time limit, no acks_late, retry-on-startup unset, no concurrency …) asks here and reports only on
// 'absent': when a source that could hold the setting was not read (model.unread), the answer is
// 'unknown' with the reasons, and the rule stays silent (the checklist shows ❓ with the reasons).
import type { CeleryApp, FactState, ProjectModel, UnreadSource } from '../../model/types.js';
import type { Knowledge } from '../../knowledge/types.js';
import { effectiveSettings, isTestFile, type ResolvedSetting } from './settings.js';

export type SettingState = FactState<ResolvedSetting>;

export interface StateOptions {
  /** the app asked about; without one, any app's config counts and any unread config source makes it unknown */
  app?: CeleryApp | null;
  /** the setting can also be given on a worker command line (-c, --time-limit): unread deploy files count too */
  cli?: boolean;
  /**
   * the command-line flags that set it (['--time-limit']): when no file of the project spells one, an unread
   * deploy file (a compose command unread only for its `{{ project_name }}` app name) cannot set it
   */
  flags?: string[];
  /** restrict which assignments count (e.g. only those of the app's own config files) */
  where?: (s: ResolvedSetting) => boolean;
}

/**
 * The unread sources that could hold a setting of `app`: entries for another app do not count, and a file
 * skipped for what it is (too large, say) counts only when it could be part of a worker's config or command
 * line — a Python module or an env file, or a deploy file when the setting has a command-line flag — and is
 * not test code or test data (a 3 MiB recorded HTTP cassette under tests/ holds no Celery setting).
 */
export function unreadFor(model: ProjectModel, opts: { app?: CeleryApp | null; cli?: boolean; flags?: string[] } = {}): UnreadSource[] {
  return model.unread.filter((u) => {
    if (u.holds === 'code') return false;
    if (u.holds === 'deploy' && !opts.cli) return false;
    if (u.holds === undefined && !u.appId && !couldHoldSettings(u.file, opts.cli ?? false)) return false;
    if (u.holds !== 'config' && opts.flags && !CONFIG_FILE.test(u.file) && lacksFlags(model, u.file, opts.flags)) return false;
    if (u.choice && anotherProcessChoice(model, u.choice)) return false;
    return !opts.app || !u.appId || u.appId === opts.app.id;
  });
}

const CONFIG_FILE = /(\.py|\.pyi|(^|\/)\.env[^/]*|\.env)$/i;
const DEPLOY_FILE = /(\.ya?ml|\.sh|\.service|\.conf|\.ini|\.cfg|\.toml|\.j2|\.tpl|(^|\/)(Dockerfile|Containerfile)[^/]*|(^|\/)Procfile[^/]*|(^|\/)[^/.]+)$/;

/**
 * A config module named by an env var value that no worker gets: every worker command jobctl found runs in a
 * compose service that sets the variable itself (its `environment:`/`env_file:` beats the image's ENV and the
 * code's os.environ.setdefault), and none of them sets this value. The value belongs to another process (a web
 * image's Dockerfile ENV, a docs build), not to a worker. With no worker command found, or a worker whose value
 * comes from elsewhere, every value stays a candidate.
 */
function anotherProcessChoice(model: ProjectModel, choice: NonNullable<UnreadSource['choice']>): boolean {
  const workers = model.workerCommands.filter((w) => w.subcommand === 'worker');
  if (workers.length === 0) return false;
  return workers.every((w) => {
    const scopes = [...(w.source === 'compose' && w.processName ? [{ file: w.file, name: w.processName }] : []),
      ...(w.launchedBy ?? []).filter((l) => l.source === 'compose' && l.processName).map((l) => ({ file: l.file, name: l.processName! }))];
    const values = model.envAssignments.filter((e) => e.key === choice.key && e.source === 'compose' && scopes.some((sc) => sc.name === e.scope && sc.file === (e.scopeFile ?? e.file)));
    return values.length > 0 && !values.some((e) => e.value.trim().replace(/^['"]|['"]$/g, '') === choice.value);
  });
}

/**
 * The unread deploy file was read as text and no file of the project spells any of the flags (a Helm template's
 * arguments may come from values.yaml, so the whole project is searched, not only the unread file).
 */
function lacksFlags(model: ProjectModel, file: string, flags: string[]): boolean {
  if (!model.files.some((f) => f.file === file)) return false;
  return !model.files.some((f) => flags.some((flag) => f.text.includes(flag)));
}

/** Could a file jobctl did not read hold a Celery setting of the worker (or, with `cli`, a worker flag)? */
function couldHoldSettings(file: string, cli: boolean): boolean {
  if (isTestFile(file) || /(^|\/)(tests?|testing|cassettes|fixtures|__snapshots__)\//.test(file)) return false;
  return CONFIG_FILE.test(file) || (cli && DEPLOY_FILE.test(file));
}

/**
 * Which config candidates an answer covers, for messages: when the app's config is one of several (an env var
 * with several values, a config object chosen at run time), "in any of its 3 candidate configs (get_settings()
 * → DevelopmentConfig ('development'), …)"; '' when there is one config.
 */
export function candidatesNote(model: ProjectModel, app: CeleryApp, words = 'in any of'): string {
  const by = [...new Set(model.configSources.filter((s) => app.configSourceIds.includes(s.id) && s.chosenBy).map((s) => s.chosenBy!))];
  if (by.length < 2) return '';
  return ` ${words} its ${by.length} candidate configs (${by.join('; ')})`;
}

/** A short reason for each unread source: "config module chosen by $X: not found in the project (proj/celery.py:5)". */
export function unreadReasons(list: UnreadSource[]): string[] {
  return [...new Set(list.map((u) => `${u.what}: ${u.reason} (${u.file}${u.loc ? `:${u.loc.line}` : ''})`))];
}

/** The last assignment Celery ends up with for `name` (new name), or absent/unknown. */
export function settingState(model: ProjectModel, k: Knowledge, name: string, opts: StateOptions = {}, settings?: ResolvedSetting[]): SettingState {
  let found: ResolvedSetting | undefined;
  for (const s of settings ?? effectiveSettings(model, k)) {
    if (s.newName !== name) continue;
    if (opts.where && !opts.where(s)) continue;
    found = s;
  }
  if (found) return { state: 'known', value: found, loc: found.assignment.keyLoc };
  const unread = unreadFor(model, opts);
  if (unread.length > 0) return { state: 'unknown', reasons: unreadReasons(unread) };
  return { state: 'absent' };
}

/** True only when jobctl read everything that could set it and it is not set. */
export function isAbsent(state: SettingState): boolean {
  return state.state === 'absent';
}
