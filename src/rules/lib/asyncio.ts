// Knowledge about asyncio entry points and loop-bound objects, shared by the JC2xx rules.
import type { CallSite, FunctionDef, ProjectModel } from '../../model/types.js';
import { getModuleGlobals } from '../../model/python/index.js';

/** Calls that start (or drive) an asyncio event loop from synchronous code. */
export const LOOP_ENTRY = ['asyncio.run', 'asgiref.sync.async_to_sync', 'anyio.run', 'asyncio.new_event_loop'];

export function isLoopEntry(c: CallSite): boolean {
  return LOOP_ENTRY.includes(c.resolved) || c.callee.endsWith('.run_until_complete') || c.resolved.endsWith('.run_until_complete') || c.callee === 'async_to_sync';
}

/**
 * Constructors whose objects bind to the event loop they are first used on (or created on). A module-level
 * instance reused by a second asyncio.run() fails: "attached to a different loop" / "Event loop is closed".
 */
const LOOP_BOUND = [
  /(^|\.)AsyncClient$/, // httpx.AsyncClient
  /^aiohttp\.ClientSession$/, /(^|\.)ClientSession$/,
  /(^|\.)create_async_engine$/, /(^|\.)async_sessionmaker$/,
  /^asyncpg\.(create_pool|connect)$/,
  /(^|\.)AsyncOpenAI$/, /(^|\.)AsyncAzureOpenAI$/, /(^|\.)AsyncAnthropic$/,
  /^redis\.asyncio\.(Redis|from_url|StrictRedis|ConnectionPool)/, /^aioredis\./,
  /(^|\.)AsyncIOMotorClient$/,
  /^asyncio\.(Lock|Event|Queue|Semaphore|BoundedSemaphore|Condition|PriorityQueue|LifoQueue|get_event_loop|new_event_loop)$/,
  /^aiobotocore\./, /^aioboto3\./,
];

export function isLoopBoundConstructor(resolved: string): boolean {
  return LOOP_BOUND.some((re) => re.test(resolved));
}

export interface LoopBoundGlobal {
  module: string;
  name: string;
  callee: string;
  loc: import('../../model/types.js').Location;
}

/**
 * Module-level objects that bind to an event loop: built by a known async constructor, or an instance of a
 * project class whose __init__ builds one (e.g. a client wrapper that creates an asyncio.Lock).
 */
export function loopBoundGlobals(model: ProjectModel): Map<string, LoopBoundGlobal> {
  const out = new Map<string, LoopBoundGlobal>();
  const byId = new Map(model.functions.map((f) => [f.id, f]));
  const classBinds = (callee: string, module: string, depth = 0): boolean => {
    if (depth > 3) return false;
    // 'pkg.mod.ClassName' -> FunctionDef 'pkg.mod:ClassName.__init__'; a bare 'ClassName' is in `module`
    const dot = callee.lastIndexOf('.');
    const init = dot < 0 ? byId.get(`${module}:${callee}.__init__`) : byId.get(`${callee.slice(0, dot)}:${callee.slice(dot + 1)}.__init__`);
    if (!init) return false;
    return init.calls.some((c) => isLoopBoundConstructor(c.resolved) || classBinds(c.resolved, init.module, depth + 1));
  };
  for (const [module, globals] of getModuleGlobals(model)) {
    for (const [name, g] of globals) {
      if (!g.callee) continue;
      if (isLoopBoundConstructor(g.callee) || classBinds(g.callee, module)) out.set(`${module}:${name}`, { module, name, callee: g.callee, loc: g.loc });
    }
  }
  return out;
}

/** The loop-bound module globals a function reads (its own module's, or imported by name). */
export function loopBoundUsedBy(fn: FunctionDef, bound: Map<string, LoopBoundGlobal>): LoopBoundGlobal[] {
  const out: LoopBoundGlobal[] = [];
  for (const used of fn.moduleGlobalsUsed) {
    // own-module globals are plain names ('client'); another module's are 'pkg.mod:name'
    const g = used.includes(':') ? bound.get(used) : bound.get(`${fn.module}:${used.split('.')[0]!}`);
    if (g) out.push(g);
  }
  return out;
}
