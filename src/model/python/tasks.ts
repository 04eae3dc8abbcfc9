// Tasks as Celery's registry sees them: @app.task / @shared_task / @<any app>.task(...), app.task(fn)
// called as a function, decorator factories that return app.task(...)(wrapper), Task subclasses (registered
// with app.register_task / app.tasks.register, or concrete ones with a run method; abstract bases are not
// tasks). Names are '<module>.<function>' with the module as the worker imports it: relative to the app's
// import folder, so namespace packages (no __init__.py) and src/ layouts give the registered name.
import type { Location, PyValue, TaskDef, TaskDecorator } from '../types.js';
import { child, lineOf, locOf, textOf, type PFile, type PNode } from './tree.js';
import type { FileFacts, RawClass, RawFunction } from './extract.js';
import { callArgs, dottedName, evalValue } from './values.js';
import { byLoc, type Linker } from './index.js';
import { appImportDir } from '../app-root.js';

const TASK_BASES = new Set(['celery.Task', 'celery.app.task.Task', 'celery.task.Task', 'celery.task.base.Task', 'celery.app.Task']);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class TaskReader {
  /** ids of functions that build tasks from the function they are given (decorator factories) */
  private factories = new Set<string>();
  private roots: string[];

  constructor(private l: Linker) {
    // the folders workers import from: each app's import folder, deepest first
    this.roots = [...new Set([...l.apps.values()].map((r) => appImportDir(r.app)))].sort((a, b) => b.length - a.length);
  }

  build(): TaskDef[] {
    const tasks: TaskDef[] = [];
    const calls = this.l.all.flatMap((facts) => facts.taskCalls.map((c) => ({ facts, c })));
    for (const { facts, c } of calls) {
      // `return app.task(**opts)(wrapper)` inside a function, wrapping one of its own names (a nested def, a
      // parameter): the outermost function is a decorator factory
      const name = c.target.type === 'identifier' ? textOf(facts.pf, c.target) : null;
      if (c.fn && name && (c.fn.nested.has(name) || c.fn.locals.has(name))) {
        let top: RawFunction = c.fn;
        while (top.parent) top = top.parent;
        this.factories.add(top.def.id);
      }
    }
    for (const facts of this.l.all) {
      for (const fn of facts.decorated) {
        const t = this.decoratedTask(facts, fn);
        if (t) tasks.push(t);
      }
    }
    for (const { facts, c } of calls) {
      const t = this.calledTask(facts, c.call, c.target, c.written, c.fn);
      if (t && !tasks.some((x) => x.functionId === t.functionId)) tasks.push(t);
    }
    tasks.push(...this.classTasks());
    return tasks.sort((a, b) => byLoc(a.loc, b.loc));
  }

  /** The module name a worker registers for a file: relative to the deepest app import folder holding it. */
  registeredModule(facts: FileFacts): string {
    const file = facts.pf.file;
    for (const root of this.roots) {
      if (root !== '' && !file.startsWith(`${root}/`)) continue;
      const rel = (root ? file.slice(root.length + 1) : file).replace(/\.py$/, '').split('/');
      if (rel.at(-1) === '__init__') rel.pop();
      if (rel.length > 0 && rel.every((p) => IDENT.test(p))) return rel.join('.');
      break;
    }
    return facts.info.module;
  }

  private options(facts: FileFacts, fn: RawFunction | null, call: PNode | null): { options: Record<string, PyValue>; optionLocs: Record<string, Location> } {
    const options: Record<string, PyValue> = {};
    const optionLocs: Record<string, Location> = {};
    if (call) {
      const vc = this.l.vctx(facts, fn);
      for (const k of callArgs(call).keywords) {
        const key = textOf(facts.pf, k.name);
        options[key] = evalValue(vc, k.value);
        optionLocs[key] = locOf(facts.pf, k.node);
      }
    }
    return { options, optionLocs };
  }

  private taskDef(facts: FileFacts, fn: RawFunction, at: PNode, decorator: TaskDecorator, appVariable: string | null, o: ReturnType<TaskReader['options']>, appId?: string): TaskDef {
    const nameOpt = o.options['name'];
    const module = this.registeredModule(facts);
    return {
      name: nameOpt?.kind === 'str' ? nameOpt.value : `${module}.${fn.def.name}`, explicitName: nameOpt?.kind === 'str', functionId: fn.def.id,
      functionName: fn.def.name, module, file: facts.pf.file, loc: locOf(facts.pf, at), decorator, appVariable, ...(appId ? { appId } : {}), ...o,
      isAsync: fn.def.isAsync, params: fn.def.params, bodyText: bodyText(facts.pf, fn),
    };
  }

  /** What kind of task-maker an expression (`app.task`, `shared_task`, `celery_app.task`) is, if any. */
  private maker(facts: FileFacts, fn: RawFunction | null, written: string): { decorator: TaskDecorator; appVariable: string | null; appId?: string } | null {
    const resolved = this.l.resolveWritten(facts, fn, written);
    const fromImport = this.l.importTarget(facts, fn, written.split('.')[0]!) !== undefined;
    if (written === 'shared_task' || resolved.endsWith('.shared_task') || (resolved === 'celery.task' && fromImport)) return { decorator: 'shared_task', appVariable: null };
    if (!written.endsWith('.task') || written.length <= 5) return null;
    const receiver = written.slice(0, -5);
    const rec = this.l.appFor(facts, fn, receiver);
    const last = receiver.split('.').pop()!;
    const rs = rec ? null : this.l.lookupName(facts, fn, receiver);
    if (rec || facts.importsCelery || rs?.kind === 'assign' || /celery|^app$|_app$|^app_/i.test(last)) return { decorator: 'app.task', appVariable: receiver, ...(rec ? { appId: rec.app.id } : {}) };
    return null;
  }

  private decoratedTask(facts: FileFacts, fn: RawFunction): TaskDef | null {
    for (const d of fn.decorators) {
      const expr = d.children[0];
      if (!expr) continue;
      const isCall = expr.type === 'call';
      const fnode = isCall ? child(expr, 'function') : expr;
      const written = fnode ? dottedName(facts.pf, fnode) : null;
      if (!written) continue;
      let m = this.maker(facts, fn.parent, written);
      if (!m && this.factories.size > 0) {
        // @my_task(queue='x') where my_task returns app.task(...)(wrapper)
        const s = this.l.lookupName(facts, fn.parent, written);
        if ((s?.kind === 'def' || s?.kind === 'method') && this.factories.has(s.fn.def.id)) m = { decorator: 'app.task', appVariable: null };
      }
      if (!m) continue;
      return this.taskDef(facts, fn, d, m.decorator, m.appVariable, this.options(facts, fn.parent, isCall ? expr : null), m.appId);
    }
    return null;
  }

  /** process = app.task(process_fn) / app.task(name='x')(fn) / shared_task(fn) at module level. */
  private calledTask(facts: FileFacts, call: PNode, target: PNode, written: string, fn: RawFunction | null): TaskDef | null {
    const m = this.maker(facts, fn, written);
    const w = dottedName(facts.pf, target);
    const s = w ? this.l.lookupName(facts, fn, w) : null;
    if (!m || !(s?.kind === 'def') || s.fn.parent) return null;
    const at = call.parent?.type === 'call' ? call.parent : call;
    const t = this.taskDef(s.facts, s.fn, at, m.decorator, m.appVariable, this.options(facts, fn, call), m.appId);
    // the call site is where the task is made; the function (and so its module and name) may live elsewhere
    return { ...t, loc: locOf(facts.pf, at), file: facts.pf.file };
  }

  private classTasks(): TaskDef[] {
    const registered = this.registeredClasses();
    const candidates: { facts: FileFacts; cls: RawClass; run: RawFunction }[] = [];
    for (const facts of this.l.all) {
      for (const cls of facts.allClasses) {
        const run = cls.methods.get('run');
        if (run && this.isTaskClass(facts, cls, 0)) candidates.push({ facts, cls, run });
      }
    }
    // which candidates other project classes subclass (only bases named like a candidate are looked up)
    const names = new Set(candidates.map((c) => c.cls.name));
    const bases = new Set<RawClass>();
    for (const facts of this.l.all) {
      for (const cls of facts.allClasses) {
        for (const b of cls.bases) {
          if (!names.has(b.split('.').pop()!)) continue;
          const s = this.l.lookupName(facts, null, b);
          if (s?.kind === 'class') bases.add(s.cls);
        }
      }
    }
    const out: TaskDef[] = [];
    for (const { facts, cls, run } of candidates) {
      {
        const abstract = cls.attrs.some((a) => a.name === 'abstract' && textOf(facts.pf, a.value) === 'True');
        // an abstract base, or a base only subclassed and never registered, is not a task
        if (!registered.has(cls) && (abstract || bases.has(cls))) continue;
        const o = this.options(facts, null, null);
        const vc = this.l.vctx(facts);
        for (const a of cls.attrs) {
          o.options[a.name] = evalValue(vc, a.value);
          o.optionLocs[a.name] = locOf(facts.pf, a.stmt);
        }
        const nameOpt = o.options['name'];
        const module = this.registeredModule(facts);
        out.push({
          name: nameOpt?.kind === 'str' ? nameOpt.value : `${module}.${cls.name}`, explicitName: nameOpt?.kind === 'str', functionId: run.def.id, functionName: run.def.name,
          module, file: facts.pf.file, loc: locOf(facts.pf, cls.node), decorator: 'class', appVariable: null, ...o,
          isAsync: run.def.isAsync, params: run.def.params, bodyText: bodyText(facts.pf, run),
        });
      }
    }
    return out;
  }

  /** Classes passed (as instances) to app.register_task(X()) / app.tasks.register(X()). */
  private registeredClasses(): Set<RawClass> {
    const out = new Set<RawClass>();
    for (const facts of this.l.all) {
      for (const c of facts.appCalls) {
        if (c.method !== 'register_task' && c.method !== 'tasks.register') continue;
        const arg = callArgs(c.call).positional[0];
        const inner = arg?.type === 'call' ? child(arg, 'function') : arg;
        const w = inner ? dottedName(facts.pf, inner) : null;
        const s = w ? this.l.lookupName(facts, c.fn, w) : null;
        if (s?.kind === 'class') out.add(s.cls);
      }
    }
    return out;
  }

  private isTaskClass(facts: FileFacts, cls: RawClass, depth: number): boolean {
    if (depth > 6) return false;
    for (const b of cls.bases) {
      const r = this.l.resolveWritten(facts, null, b);
      if (TASK_BASES.has(r)) return true;
      if (r === 'Task' && facts.importsCelery) return true;
      if (b.endsWith('.Task') && this.l.appFor(facts, null, b.slice(0, -5))) return true;
      const s = this.l.lookupName(facts, null, b);
      if (s?.kind === 'class' && s.cls !== cls && this.isTaskClass(s.facts, s.cls, depth + 1)) return true;
    }
    return false;
  }
}

function bodyText(pf: PFile, fn: RawFunction): string {
  const body = fn.body;
  if (!body) return '';
  const defLine = lineOf(pf, fn.node.start);
  const bodyLine = lineOf(pf, body.start);
  const start = bodyLine > defLine ? pf.lineStarts[bodyLine - 1]! : body.start;
  return pf.text.slice(start, body.end);
}
