// What in THIS project a catalogued behaviour change can touch: the `appliesWhen` vocabulary of
// src/knowledge/types.ts evaluated against the project model. Each condition that holds carries the
// file:line locations that made it hold, so the plan can say where a change bites.
import type { Location, ProjectModel } from '../model/types.js';
import type { Knowledge } from '../knowledge/types.js';
import { classifyKey, effectiveSettings, intendedSettings } from '../rules/lib/settings.js';
import { allStrings, asString } from '../rules/lib/values.js';
import { reachableFromTasks, workerPools } from '../rules/lib/task-code.js';
import { lowestPython, compareVersions } from '../rules/lib/versions.js';

export interface Hit {
  file: string;
  line: number;
  message: string;
}

/** constructor keyword -> setting name (Celery.__init__ maps these; celery/app/base.py) */
const CTOR_TO_SETTING: Record<string, string> = { broker: 'broker_url', backend: 'result_backend', include: 'include' };

export interface ProjectFacts {
  /** new-style setting name -> where it is set */
  settings: Map<string, Hit[]>;
  brokerSchemes: Map<string, Hit[]>;
  backendSchemes: Map<string, Hit[]>;
  pools: Map<string, Hit[]>;
  dependencies: Map<string, Hit[]>;
  celeryExtras: Map<string, Hit[]>;
  imports: Map<string, Hit[]>;
  lowestPython: string | null;
  pythonWhere: Hit[];
  currentVersion: string | null;
  django: Hit[];
  pydantic: Hit[];
  beat: Hit[];
  quorum: Hit[];
  oldNames: Hit[];
  cli: Hit[];
  canvas: Hit[];
  asyncDefTasks: Hit[];
  asyncioInTasks: Hit[];
  /** worker/beat options of the current (3.1/4.x) line that Celery 5.0 renamed or removed */
  legacyCliOptions: Hit[];
  /** classes that subclass Celery's Task (custom task base classes, class-based tasks) and where they are used */
  taskClasses: Hit[];
  /** names the custom Task classes define (methods, class attributes), with where */
  taskClassMembers: Map<string, Hit[]>;
  /** calls of a task's retry() (`self.retry(...)`, `task.retry(...)`) */
  taskRetries: Hit[];
  /** tasks run eagerly: task_always_eager / CELERY_TASK_ALWAYS_EAGER / CELERY_ALWAYS_EAGER set true anywhere (test settings too) */
  eager: Hit[];
  /** environment variables the project sets (Dockerfile ENV, compose, .env, systemd, ...), by name */
  env: Map<string, Hit[]>;
}

function at(loc: Location, message: string): Hit {
  return { file: loc.file, line: loc.line, message };
}

function push<K>(m: Map<K, Hit[]>, key: K, hit: Hit): void {
  const list = m.get(key) ?? [];
  if (!list.some((h) => h.file === hit.file && h.line === hit.line)) list.push(hit);
  m.set(key, list);
}

/** 'db+sqlite:///x' -> 'db', 'redis://' -> 'redis', 'sqlalchemy+sqlite://' -> 'sqlalchemy' */
export function urlScheme(url: string): string | null {
  const m = /^\s*([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  if (!m) return null;
  return m[1]!.toLowerCase().split('+')[0]!;
}

/** String values a setting may take: literals, env defaults, module constants, .env/compose values. */
function candidateStrings(model: ProjectModel, value: import('../model/types.js').PyValue, file: string): string[] {
  const out = allStrings(value);
  const names: string[] = [];
  if (value.kind === 'env') names.push(value.name);
  if (value.kind === 'name') names.push(value.dotted.split('.').pop()!);
  if (names.length > 0) {
    // a module constant in the same file (`REDIS_URL = os.getenv("REDIS_URL", "redis://...")`)
    const text = model.files.find((f) => f.file === file)?.text ?? '';
    for (const n of [...names]) {
      const m = new RegExp(`^${n}\\s*=\\s*(.+)$`, 'm').exec(text);
      if (!m) continue;
      for (const s of m[1]!.matchAll(/['"]([a-z][a-z0-9+.-]*:\/\/[^'"]*)['"]/gi)) out.push(s[1]!);
      const env = /(?:getenv|environ\.get|environ\[)\(?\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]/.exec(m[1]!);
      if (env) names.push(env[1]!);
    }
    const env = [...model.envFiles.flatMap((e) => e.vars), ...model.composeServices.flatMap((s) => s.environment)];
    for (const n of names) for (const v of env) if (v.key === n && v.value) out.push(v.value);
  }
  return out;
}

export function collectFacts(model: ProjectModel, k: Knowledge, currentVersion: string | null): ProjectFacts {
  const f: ProjectFacts = {
    settings: new Map(), brokerSchemes: new Map(), backendSchemes: new Map(), pools: new Map(), dependencies: new Map(),
    celeryExtras: new Map(), imports: new Map(), lowestPython: null, pythonWhere: [], currentVersion, django: [], pydantic: [],
    beat: [], quorum: [], oldNames: [], cli: [], canvas: [], asyncDefTasks: [], asyncioInTasks: [], legacyCliOptions: [], taskClasses: [], taskClassMembers: new Map(), taskRetries: [], eager: [], env: new Map(),
  };
  const legacyCli = currentVersion ? legacyCliChanges(k, currentVersion) : null;
  for (const s of effectiveSettings(model, k)) {
    const name = s.source.kind === 'celery-ctor' ? (CTOR_TO_SETTING[s.newName] ?? s.newName) : s.newName;
    const a = s.assignment;
    push(f.settings, name, at(a.keyLoc, `\`${a.name}\` is set here`));
    if (name === 'broker_url' || name === 'broker_read_url' || name === 'broker_write_url' || name === 'result_backend') {
      for (const url of candidateStrings(model, a.value, a.loc.file)) {
        const scheme = urlScheme(url);
        if (!scheme) continue;
        push(name === 'result_backend' ? f.backendSchemes : f.brokerSchemes, scheme, at(a.loc, `\`${a.name}\` uses \`${scheme}://\``));
      }
      // result_backend aliases without '://' ('rpc', 'redis', 'db+...')
      const lit = asString(a.value);
      if (name === 'result_backend' && lit && !lit.includes('://')) push(f.backendSchemes, lit.toLowerCase().split('+')[0]!, at(a.loc, `\`${a.name}\` is \`${lit}\``));
    }
    if (name === 'task_default_queue_type' && asString(a.value) === 'quorum') f.quorum.push(at(a.loc, 'quorum queues are the default queue type'));
    if (name === 'beat_schedule') f.beat.push(at(a.loc, '`beat_schedule` is set'));
  }
  for (const s of intendedSettings(model, k)) {
    if (s.status.kind === 'old') f.oldNames.push(at(s.assignment.keyLoc, `\`${s.assignment.name}\` is an old-style name for \`${s.newName}\``));
  }
  // any config source wired through Django
  for (const src of model.configSources) {
    if (src.kind === 'django-settings' || src.isDjangoConfSettings) f.django.push(at(src.loc, 'Celery reads its config from Django settings'));
    for (const a of src.settings) {
      const st = classifyKey(a.name, src, k);
      if (st.kind === 'ignored-by-namespace' || st.kind === 'doc-only') push(f.settings, st.newName, at(a.keyLoc, `\`${a.name}\` is meant as \`${st.newName}\` (currently ignored by Celery)`));
    }
  }
  for (const p of workerPools(model, k)) {
    const [file, line] = splitWhere(p.where);
    push(f.pools, p.pool, { file, line, message: `worker runs the \`${p.pool}\` pool` });
  }
  for (const d of model.dependencies) {
    push(f.dependencies, d.name, at(d.loc, `${d.rawName}${d.specifier ? ` ${d.specifier}` : ''} (${d.file})`));
    if (d.name === 'celery') for (const e of d.extras) push(f.celeryExtras, e.toLowerCase(), at(d.loc, `installs \`celery[${e}]\``));
  }
  const py = lowestPython(model.pythonVersions);
  if (py) {
    f.lowestPython = py.minor;
    f.pythonWhere = model.pythonVersions.map((p) => at(p.loc, `Python \`${p.value}\``));
  }
  for (const w of model.workerCommands) {
    f.cli.push(at(w.loc, `\`${w.argv.join(' ')}\``));
    if (w.subcommand === 'beat' || w.argv.includes('-B') || w.argv.includes('--beat')) f.beat.push(at(w.loc, 'runs celery beat'));
    if (legacyCli) {
      for (const word of w.argv) {
        const opt = word.split('=')[0]!;
        if (legacyCli.renamed[opt]) f.legacyCliOptions.push(at(w.loc, `\`${opt}\` is \`${legacyCli.renamed[opt]}\` in Celery 5`));
        else if (legacyCli.removed.includes(opt)) f.legacyCliOptions.push(at(w.loc, `\`${opt}\` no longer exists in Celery 5`));
      }
    }
  }
  for (const t of model.tasks) {
    if (t.isAsync) f.asyncDefTasks.push(at(t.loc, `task \`${t.name}\` is \`async def\``));
    const pyd = t.options.pydantic;
    if (pyd && pyd.kind === 'bool' && pyd.value) f.pydantic.push(at(t.loc, `task \`${t.name}\` uses pydantic=True`));
  }
  for (const r of reachableFromTasks(model).values()) {
    for (const c of r.fn.calls) {
      if (c.resolved.startsWith('asyncio.') || c.callee.startsWith('asyncio.')) f.asyncioInTasks.push(at(c.loc, `task code calls \`${c.resolved || c.callee}\``));
    }
  }
  const celeryFiles = new Set(model.files.filter((x) => x.kind === 'python' && /\bcelery\b/.test(x.text)).map((x) => x.file));
  for (const fn of model.functions) {
    for (const c of fn.calls) {
      if (/^celery(\.canvas)?\.(chain|group|chord)$/.test(c.resolved)) f.canvas.push(at(c.loc, `uses \`${c.resolved}\``));
      if (/\.retry$/.test(c.callee) && celeryFiles.has(c.loc.file)) f.taskRetries.push(at(c.loc, `\`${c.callee}(...)\``));
    }
  }
  for (const file of model.files) {
    if (file.kind !== 'python') continue;
    file.text.split(/\r?\n/).forEach((line, i) => {
      const m = /^\s*(?:from\s+([\w.]+)\s+import\s+\(?([\w\s,]*)|import\s+([\w.]+))/.exec(line);
      const mod = m?.[1] ?? m?.[3];
      if (!mod) return;
      push(f.imports, mod, { file: file.file, line: i + 1, message: `imports \`${mod}\`` });
      // `from celery import task` imports the module celery.task (removed in 5.0) as much as `import celery.task`
      for (const name of (m?.[2] ?? '').split(',').map((x) => x.trim().split(/\s+/)[0]!).filter((x) => /^[a-z_]\w*$/.test(x))) {
        push(f.imports, `${mod}.${name}`, { file: file.file, line: i + 1, message: `imports \`${name}\` from \`${mod}\`` });
      }
    });
  }
  for (const file of model.files) {
    if (file.kind !== 'python') continue;
    file.text.split(/\r?\n/).forEach((line, i) => {
      const m = /\b((?:CELERY_)?(?:TASK_)?ALWAYS_EAGER|task_always_eager)\b['"]?\s*[=:]\s*True\b/.exec(line.replace(/\s#.*$/, ''));
      if (m) f.eager.push({ file: file.file, line: i + 1, message: `\`${m[1]}\` runs tasks eagerly` });
    });
  }
  for (const e of model.envAssignments) push(f.env, e.key, at(e.loc, `\`${e.key}\` is set here (${e.source})`));
  for (const e of model.envFiles) for (const v of e.vars) push(f.env, v.key, at(v.loc, `\`${v.key}\` is set in ${e.file}`));
  const custom = customTaskClasses(model);
  f.taskClasses.push(...custom.hits);
  f.taskClassMembers = custom.members;
  return f;
}

interface PyClass {
  name: string;
  bases: string[];
  file: string;
  line: number;
  /** names defined in the class body (methods and class attributes), with their lines */
  members: Map<string, number>;
}

/** Class statements of a Python file with the names their bodies define (indentation-based; enough for class bodies). */
function pythonClasses(file: string, text: string): PyClass[] {
  const lines = text.split(/\r?\n/);
  const out: PyClass[] = [];
  for (let i = 0; i < lines.length; i++) {
    const c = /^(\s*)class\s+(\w+)\s*\(([^)]*)\)\s*:/.exec(lines[i]!);
    if (!c) continue;
    const indent = c[1]!.length;
    const members = new Map<string, number>();
    let bodyIndent = -1;
    for (let j = i + 1; j < lines.length; j++) {
      const l = lines[j]!;
      if (!l.trim() || /^\s*#/.test(l)) continue;
      const ind = /^\s*/.exec(l)![0].length;
      if (ind <= indent) break;
      if (bodyIndent < 0) bodyIndent = ind;
      if (ind !== bodyIndent) continue;
      const m = /^\s*(?:async\s+)?def\s+(\w+)|^\s*(\w+)\s*(?::[^=]*)?=(?!=)/.exec(l);
      const name = m?.[1] ?? m?.[2];
      if (name && !members.has(name)) members.set(name, j + 1);
    }
    out.push({ name: c[2]!, bases: c[3]!.split(',').map((b) => b.trim()).filter(Boolean), file, line: i + 1, members });
  }
  return out;
}

/**
 * The project's custom Task classes: subclasses of Celery's Task (or of another custom task class), and where
 * they are put to use -- `@app.task(base=MyTask)`, `app.Task = MyTask`, `Celery(task_cls=MyTask)` /
 * `task_cls='proj.tasks:MyTask'`. A class named there but defined elsewhere (an installed package) still counts.
 */
function customTaskClasses(model: ProjectModel): { hits: Hit[]; members: Map<string, Hit[]> } {
  const hits: Hit[] = [];
  const members = new Map<string, Hit[]>();
  const classes = model.files.filter((f) => f.kind === 'python' && /\bcelery\b|\bTask\b/.test(f.text)).flatMap((f) => pythonClasses(f.file, f.text));
  const isCeleryTask = (b: string): boolean => /^(?:[\w.]*\.)?(Task|DjangoTask)(\[.*\])?$/.test(b);
  const names = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const c of classes) {
      if (names.has(c.name) || !c.bases.some((b) => isCeleryTask(b) || names.has(b.split('.').pop()!))) continue;
      names.add(c.name);
      grew = true;
    }
  }
  // where a class is put to use as the task base
  const used = new Map<string, Hit[]>();
  for (const file of model.files) {
    if (file.kind !== 'python') continue;
    file.text.split(/\r?\n/).forEach((line, i) => {
      const code = line.replace(/\s#.*$/, '');
      for (const m of code.matchAll(/\b(base|task_cls)\s*=\s*(?:['"](?:[\w.]+:)?(\w+)['"]|([\w.]+))/g)) {
        const name = (m[2] ?? m[3]!).split('.').pop()!;
        if (name === 'None' || name === 'Task') continue;
        const list = used.get(name) ?? [];
        list.push({ file: file.file, line: i + 1, message: `\`${m[1]}=${m[2] ?? m[3]}\` makes \`${name}\` the task class` });
        used.set(name, list);
      }
      const assign = /^\s*[\w.]+\.Task\s*=\s*([\w.]+)\s*$/.exec(code);
      if (assign) {
        const name = assign[1]!.split('.').pop()!;
        const list = used.get(name) ?? [];
        list.push({ file: file.file, line: i + 1, message: `the app's Task class is set to \`${assign[1]}\`` });
        used.set(name, list);
      }
    });
  }
  for (const c of classes.filter((x) => names.has(x.name))) {
    hits.push({ file: c.file, line: c.line, message: `\`${c.name}\` subclasses \`${c.bases.join(', ')}\`` });
    for (const [member, line] of c.members) {
      const list = members.get(member) ?? [];
      list.push({ file: c.file, line, message: `\`${c.name}.${member}\` (a custom Task class)` });
      members.set(member, list);
    }
  }
  for (const [name, list] of used) {
    // a name the project uses as the task class, defined here as a task class or not defined here at all
    if (names.has(name) || !classes.some((c) => c.name === name)) hits.push(...list);
  }
  return { hits, members };
}

/** Worker/beat options of `version`'s line (3.1/4.x) that Celery 5.0 renamed or removed; null for 5.x. */
export function legacyCliChanges(k: Knowledge, version: string): { renamed: Record<string, string>; removed: string[]; source: string } | null {
  const line = version.split('.').slice(0, 2).join('.');
  return (k as Knowledge & { legacyCli?: Record<string, { renamed: Record<string, string>; removed: string[]; source: string }> }).legacyCli?.[line] ?? null;
}

function splitWhere(where: string): [string, number] {
  const i = where.lastIndexOf(':');
  return i > 0 ? [where.slice(0, i), Number(where.slice(i + 1)) || 1] : [where, 1];
}

/**
 * Evaluate one `appliesWhen` condition. Returns null when it does not hold, else the places that make it
 * hold (possibly empty, e.g. for 'always').
 */
export function conditionHits(cond: string, f: ProjectFacts): Hit[] | null {
  if (cond === 'always') return [];
  const [head, ...restParts] = cond.split(':');
  const arg = restParts.join(':');
  const fromMap = (m: Map<string, Hit[]>, key: string): Hit[] | null => m.get(key) ?? null;
  const nonEmpty = (hits: Hit[]): Hit[] | null => (hits.length > 0 ? hits : null);
  switch (head) {
    case 'setting':
      return fromMap(f.settings, arg);
    case 'setting-unset':
      return f.settings.has(arg) ? null : [];
    case 'backend':
      return fromMap(f.backendSchemes, arg);
    case 'transport':
      return fromMap(f.brokerSchemes, arg);
    case 'pool':
      return fromMap(f.pools, arg);
    case 'extra':
      return fromMap(f.celeryExtras, arg);
    case 'dependency':
      return fromMap(f.dependencies, arg);
    case 'import': {
      const hits = [...f.imports.entries()].filter(([m]) => m === arg || m.startsWith(`${arg}.`)).flatMap(([, h]) => h);
      return nonEmpty(hits);
    }
    case 'version':
      return f.currentVersion === arg ? [] : null;
    case 'django':
      return nonEmpty(f.django);
    case 'pydantic':
      return nonEmpty(f.pydantic);
    case 'beat':
      return nonEmpty(f.beat);
    case 'quorum-queues':
      return nonEmpty(f.quorum);
    case 'old-setting-names':
      return nonEmpty(f.oldNames);
    case 'cli':
      return nonEmpty(f.cli);
    case 'canvas':
      return nonEmpty(f.canvas);
    case 'async-def-task':
      return nonEmpty(f.asyncDefTasks);
    case 'asyncio-in-task':
      return nonEmpty(f.asyncioInTasks);
    case 'legacy-cli-option':
      return nonEmpty(f.legacyCliOptions);
    case 'task-class':
      return nonEmpty(f.taskClasses);
    case 'task-retry':
      return nonEmpty(f.taskRetries);
    case 'eager':
      return nonEmpty(f.eager);
    case 'env':
      return f.env.get(arg) ?? null;
    case 'task-class-member':
      return f.taskClassMembers.get(arg) ?? null;
    default:
      break;
  }
  const py = /^python(<=|>=|==|<|>)(\d+\.\d+)$/.exec(cond);
  if (py) {
    if (!f.lowestPython) return null;
    const c = compareVersions(f.lowestPython, py[2]!);
    const ok = { '<': c < 0, '<=': c <= 0, '>': c > 0, '>=': c >= 0, '==': c === 0 }[py[1] as '<' | '<=' | '>' | '>=' | '=='];
    return ok ? f.pythonWhere : null;
  }
  return null;
}

/** Conditions of a change that hold, with their locations (null when none holds). */
export function changeApplies(appliesWhen: string[], f: ProjectFacts): { matched: string[]; hits: Hit[] } | null {
  const matched: string[] = [];
  const hits: Hit[] = [];
  for (const cond of appliesWhen) {
    // `django&task-class`: every part must hold; the places are those of all parts
    const parts = cond.split('&').map((p) => conditionHits(p, f));
    const h = parts.some((p) => p === null) ? null : parts.flatMap((p) => p!);
    if (h === null) continue;
    matched.push(cond);
    for (const x of h) if (!hits.some((y) => y.file === x.file && y.line === x.line)) hits.push(x);
  }
  return matched.length > 0 ? { matched, hits } : null;
}
