// Where an asyncio event loop that task code drives comes from (event-loop dataflow for the JC2xx rules).
//
// For every `<recv>.run_until_complete(...)` in project code, the receiver is traced back to how its loop is made:
// - 'thread-default': asyncio.get_event_loop() (directly, via a local, or via a helper that returns it) — the thread's
//   implicit current loop. Breaks once asyncio.run() has run in that thread (set_event_loop(None) on exit), raises on
//   Python 3.14 when there is none. → JC206.
// - 'import-time': a loop made at module level (loop = asyncio.new_event_loop()) — created when the module is imported,
//   i.e. in the prefork parent before the children fork, so every child shares one selector. → JC206.
// - 'per-process': an explicit new_event_loop() cached lazily in a global, created in a worker_process_init handler,
//   or guarded by os.getpid() — one loop per worker process, the documented fix for loop-bound clients. Not JC204/206
//   (under the threads pool a process-wide loop is shared by threads: JC206 says so).
// - 'per-thread': an explicit loop cached in threading.local — one loop per thread. Not JC206.
// - 'fresh': new_event_loop() made in the same function that runs it (and closes it) — like asyncio.run(). Not JC206.
// CPython: asyncio.run() ends with set_event_loop(None) (Lib/asyncio/runners.py); get_event_loop() semantics per version
// in Doc/library/asyncio-eventloop.rst.
import type { CallSite, FunctionDef, ProjectModel, TaskDef } from '../../model/types.js';
import { getModuleGlobals } from '../../model/python/index.js';
import { functionSource } from './source.js';

export type LoopOrigin = 'thread-default' | 'import-time' | 'per-process' | 'per-thread' | 'fresh' | 'unknown';

export interface LoopUse {
  call: CallSite;
  fn: FunctionDef;
  origin: LoopOrigin;
  /** how the loop was obtained, for messages: 'asyncio.get_event_loop()', 'get_worker_loop()', 'module-level `loop`' */
  via: string;
}

const GET_LOOP = /\basyncio\.get_event_loop\(\)|(^|[^.\w])get_event_loop\(\)/;
const NEW_LOOP = /\basyncio\.new_event_loop\(\)|(^|[^.\w])new_event_loop\(\)/;

/** Marker in `via`: the code makes a new current loop when get_event_loop() raises or returns a closed loop. */
export const RECREATED = ' (a new loop is set as current when there is none)';

function recreates(src: string): boolean {
  return NEW_LOOP.test(src) && /\bexcept\b|is_closed\(\)/.test(src);
}

const helperCache = new WeakMap<ProjectModel, Map<string, { origin: LoopOrigin; via: string } | null>>();

/** What loop a project function returns, if it is a loop helper (get_loop(), get_worker_loop(), …). */
export function loopHelper(model: ProjectModel, fn: FunctionDef, depth = 0): { origin: LoopOrigin; via: string } | null {
  let cache = helperCache.get(model);
  if (!cache) helperCache.set(model, (cache = new Map()));
  if (cache.has(fn.id)) return cache.get(fn.id)!;
  cache.set(fn.id, null); // recursion guard
  const src = functionSource(model, fn);
  let out: { origin: LoopOrigin; via: string } | null = null;
  if (/\breturn\b/.test(src) && (GET_LOOP.test(src) || NEW_LOOP.test(src) || /_loop\b|\bloop\b/.test(src))) {
    const origin = classifySource(model, fn, src);
    if (origin !== 'unknown' && !/run_until_complete/.test(src)) out = { origin, via: `${fn.name}()${origin === 'thread-default' && recreates(src) ? RECREATED : ''}` };
  }
  if (!out && depth < 2) {
    // return other_helper()
    const m = /\breturn\s+([\w.]+)\(\)/.exec(src);
    const next = m ? model.functions.find((f) => f.name === m[1]!.split('.').pop() && f.id !== fn.id) : undefined;
    const inner = next ? loopHelper(model, next, depth + 1) : null;
    if (inner) out = { origin: inner.origin, via: `${fn.name}() → ${inner.via}` };
  }
  cache.set(fn.id, out);
  return out;
}

/** Classify the loop a piece of code obtains (the helper's body, or the function that runs the loop). */
function classifySource(model: ProjectModel, fn: FunctionDef, src: string): LoopOrigin {
  const creates = NEW_LOOP.test(src);
  const cached = /\bglobal\s+\w+/.test(src) || /\bthreading\.local\(\)|\b_local\.|\blocal\(\)\.|\b\w*local\w*\.\w*loop/i.test(src) || cachedInModuleGlobal(model, fn, src);
  if (creates && /\bthreading\.local\b|\b\w*(?:_local|thread_data|tls)\b\.\w+/i.test(src + moduleText(model, fn))) return 'per-thread';
  if (creates && (/os\.getpid\(\)/.test(src) || workerProcessInitMakesLoop(model, fn))) return 'per-process';
  if (creates && cached) return 'per-process';
  if (/\bworker_process_init\b/.test(moduleText(model, fn)) && workerProcessInitMakesLoop(model, fn)) return 'per-process';
  if (GET_LOOP.test(src)) return 'thread-default';
  if (creates) return 'fresh';
  return 'unknown';
}

function moduleText(model: ProjectModel, fn: FunctionDef): string {
  return model.files.find((f) => f.file === fn.file)?.text ?? '';
}

/** A module global the function assigns a new loop to (`_LOOP = asyncio.new_event_loop()` after `global _LOOP`). */
function cachedInModuleGlobal(model: ProjectModel, fn: FunctionDef, src: string): boolean {
  const globals = getModuleGlobals(model).get(fn.module);
  if (!globals) return false;
  for (const name of globals.keys()) if (new RegExp(`\\b${name}\\s*=\\s*(asyncio\\.)?new_event_loop\\(`).test(src)) return true;
  return false;
}

/** The module (or the project) makes a loop in a worker_process_init handler. */
function workerProcessInitMakesLoop(model: ProjectModel, fn: FunctionDef): boolean {
  const text = moduleText(model, fn);
  if (/worker_process_init/.test(text) && NEW_LOOP.test(text)) return true;
  return model.functions.some((f) => f.module === fn.module && /worker_process_init/.test(functionSource(model, f)) && NEW_LOOP.test(functionSource(model, f)));
}

/** Every run_until_complete in project code, with where its loop comes from. */
export function loopUses(model: ProjectModel): LoopUse[] {
  const out: LoopUse[] = [];
  const globals = getModuleGlobals(model);
  const byName = new Map<string, FunctionDef[]>();
  for (const f of model.functions) byName.set(f.name, [...(byName.get(f.name) ?? []), f]);
  for (const fn of model.functions) {
    for (const call of fn.calls) {
      if (!call.callee.endsWith('.run_until_complete') || call.inAsyncContext) continue;
      const receiver = call.callee.slice(0, -'.run_until_complete'.length);
      let origin = originOf(model, fn, receiver, globals, byName);
      if (origin.origin === 'unknown') origin = importedGlobalOrigin(call, globals) ?? origin;
      out.push({ call, fn, ...origin });
    }
  }
  return out;
}

function originOf(model: ProjectModel, fn: FunctionDef, receiver: string, globals: ReturnType<typeof getModuleGlobals>, byName: Map<string, FunctionDef[]>): { origin: LoopOrigin; via: string } {
  // inline: asyncio.get_event_loop().run_until_complete / get_loop().run_until_complete / asyncio.new_event_loop().run…
  const inlineCall = /^([\w.]+)\(\)$/.exec(receiver);
  if (inlineCall) {
    const name = inlineCall[1]!;
    if (/(^|\.)get_event_loop$/.test(name)) return { origin: 'thread-default', via: 'asyncio.get_event_loop()' };
    if (/(^|\.)new_event_loop$/.test(name)) return { origin: 'fresh', via: 'asyncio.new_event_loop()' };
    const helper = helperFor(model, fn, name, byName);
    if (helper) return helper;
  }
  const src = functionSource(model, fn);
  const head = receiver.split('.')[0]!;
  // self._loop / cls.loop: an attribute cache
  if (/^(self|cls)\./.test(receiver)) return { origin: /getpid|worker_process_init/.test(moduleText(model, fn)) ? 'per-process' : 'unknown', via: `\`${receiver}\`` };
  // a local assigned in this function: loop = <expr>
  const assigns = [...src.matchAll(new RegExp(`\\b${head}\\s*=\\s*([^\\n]+)`, 'g'))].map((m) => m[1]!.trim());
  if (assigns.length > 0) {
    const fromGet = assigns.some((a) => /(^|\.)get_event_loop\(\)/.test(a));
    const fromNew = assigns.some((a) => /(^|\.)new_event_loop\(\)/.test(a));
    const helperCall = assigns.map((a) => /^([\w.]+)\(\)$/.exec(a)?.[1]).find((n) => n && !/event_loop$/.test(n));
    const helper = helperCall ? helperFor(model, fn, helperCall, byName) : null;
    if (helper) return helper;
    if (fromNew && new RegExp(`\\bglobal\\s+[\\w, ]*\\b${head}\\b`).test(src)) return { origin: classifySource(model, fn, src) === 'per-thread' ? 'per-thread' : 'per-process', via: `module global \`${head}\`` };
    if (fromGet && !fromNew) return { origin: 'thread-default', via: 'asyncio.get_event_loop()' };
    if (fromGet && fromNew) {
      // try: get_event_loop() except RuntimeError: new_event_loop(); set_event_loop() — still the thread's current loop
      return { origin: 'thread-default', via: `asyncio.get_event_loop()${recreates(src) ? RECREATED : ''}` };
    }
    if (fromNew) return { origin: 'fresh', via: 'asyncio.new_event_loop()' };
  }
  // a module-level loop
  const g = globals.get(fn.module)?.get(head);
  if (g) {
    if (g.callee === 'asyncio.get_event_loop' || g.callee === 'asyncio.new_event_loop') return { origin: 'import-time', via: `module-level \`${head}\` (${g.callee}() at import, ${g.loc.file}:${g.loc.line})` };
    if (/^None$/.test(g.valueText.trim())) {
      const origin = classifySource(model, fn, src);
      if (origin === 'per-process' || origin === 'per-thread') return { origin, via: `module global \`${head}\`` };
      // assigned elsewhere, e.g. in a worker_process_init handler
      if (workerProcessInitMakesLoop(model, fn)) return { origin: 'per-process', via: `module global \`${head}\` (set in worker_process_init)` };
    }
  }
  return { origin: 'unknown', via: `\`${receiver}\`` };
}

/** `from app.loops import loop` then `loop.run_until_complete(...)`: the resolved callee names the defining module. */
function importedGlobalOrigin(call: CallSite, globals: ReturnType<typeof getModuleGlobals>): { origin: LoopOrigin; via: string } | null {
  const m = /^(.+)\.(\w+)\.run_until_complete$/.exec(call.resolved);
  if (!m) return null;
  const g = globals.get(m[1]!)?.get(m[2]!);
  if (!g || (g.callee !== 'asyncio.get_event_loop' && g.callee !== 'asyncio.new_event_loop')) return null;
  return { origin: 'import-time', via: `\`${m[2]}\` of ${m[1]} (${g.callee}() at import, ${g.loc.file}:${g.loc.line})` };
}

function helperFor(model: ProjectModel, fn: FunctionDef, name: string, byName: Map<string, FunctionDef[]>): { origin: LoopOrigin; via: string } | null {
  const short = name.split('.').pop()!;
  const candidates = byName.get(short) ?? [];
  const target = candidates.find((c) => c.module === fn.module) ?? candidates.find((c) => fn.callees.includes(c.id)) ?? candidates[0];
  return target ? loopHelper(model, target) : null;
}

/** For each task: the first call in its own body that leads to a loop use (the chain), once per task. */
export function loopUsesByTask(model: ProjectModel, uses: LoopUse[], want: (u: LoopUse) => boolean): { task: TaskDef; use: LoopUse; site: CallSite; chain: string[] }[] {
  const byId = new Map(model.functions.map((f) => [f.id, f]));
  const wanted = new Map<string, LoopUse>();
  for (const u of uses) if (want(u) && !wanted.has(u.fn.id)) wanted.set(u.fn.id, u);
  const out: { task: TaskDef; use: LoopUse; site: CallSite; chain: string[] }[] = [];
  for (const task of model.tasks) {
    const start = byId.get(task.functionId);
    if (!start) continue;
    // BFS from the task function; remember the first hop (the task's own call site)
    const queue: { fn: FunctionDef; chain: FunctionDef[] }[] = [{ fn: start, chain: [start] }];
    const seen = new Set<string>();
    let found: { use: LoopUse; chain: FunctionDef[] } | null = null;
    while (queue.length && !found) {
      const cur = queue.shift()!;
      if (seen.has(cur.fn.id)) continue;
      seen.add(cur.fn.id);
      const u = wanted.get(cur.fn.id);
      if (u) {
        found = { use: u, chain: cur.chain };
        break;
      }
      for (const id of cur.fn.callees) {
        const next = byId.get(id);
        if (next && !seen.has(id)) queue.push({ fn: next, chain: [...cur.chain, next] });
      }
    }
    if (!found) continue;
    const hop = found.chain[1];
    const site = hop ? start.calls.find((c) => c.callee.split('.').pop() === hop.name && !c.inAsyncContext) ?? found.use.call : found.use.call;
    out.push({ task, use: found.use, site, chain: found.chain.map((f) => f.name) });
  }
  return out;
}

/** Pools under which asyncio.run() per task is sound advice (never gevent/eventlet). */
export function asyncioRunAdvisable(pools: { pool: string }[]): boolean {
  return !pools.some((p) => p.pool === 'gevent' || p.pool === 'eventlet');
}
