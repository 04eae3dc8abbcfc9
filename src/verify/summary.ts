// The per-side summary of a verify run: for the project as it is and for the plan applied, one
// answer each to "does a fresh install work", "does the app import", "how many tasks", "smoke",
// "load" — the question a maintainer asks before merging the upgrade.
import type { Side } from './context.js';
import type { SideSummary, StageResult } from './types.js';

function firstProblem(evidence: string[]): string {
  // the exception that stopped it (VersionMismatch: …, ModuleNotFoundError: …), else the first line
  const exc = evidence.map((e) => /([A-Za-z_][\w.]*(?:Error|Exception|Mismatch|NotFound|Conflict|ImproperlyConfigured)\b[^;`]*)/.exec(e)?.[1]).find(Boolean);
  return (exc ?? evidence[0] ?? 'failed').slice(0, 200);
}

/** `No module named 'core'` names a distribution to install only when `core` is not the project's own */
function missingDistribution(e: string, ownModules: ReadonlySet<string>): boolean {
  const m = /No module named '([\w.]+)'/.exec(e);
  return m ? !ownModules.has(m[1]!.split('.')[0]!) : false;
}

/** importable names of the project's own Python files and folders at its top two levels (core/…, src/app/…, tasks.py) */
export function ownModuleNames(pythonFiles: string[]): Set<string> {
  const out = new Set<string>();
  for (const f of pythonFiles) for (const part of f.split('/').slice(0, 2)) out.add(part.replace(/\.py$/, ''));
  return out;
}

export function summarizeSides(sides: Side[], stages: StageResult[], ownModules: ReadonlySet<string> = new Set()): SideSummary[] {
  const get = (id: string): StageResult | undefined => stages.find((s) => s.id === id);
  return sides.map((side) => {
    const of = (id: string) => get(id)?.[side.role];
    const deps = of('deps');
    const imp = of('import');
    const smoke = of('smoke');
    const load = of('load');
    const verdict = (o: ReturnType<typeof of>, stage: StageResult | undefined): string => {
      if (!stage) return 'not run';
      if (!o) return stage.evidence.some((e) => e.startsWith(`${side.role} side left out`)) ? 'left out (an earlier stage failed on this side)' : stage.status === 'skip' ? `skipped (${stage.reason ?? ''})` : 'not run';
      return o.status === 'pass' ? 'OK' : o.status === 'skip' ? 'skipped' : `broken (${firstProblem(o.evidence.filter((e) => !/^venv |^requirements from |^installed: |^a fresh install today /.test(e)))})`;
    };
    // a fresh install is broken when pip cannot resolve it (deps) or the venv cannot be built / the
    // worker dies on start for a package reason (import stage evidence)
    const packageTrouble = (o: ReturnType<typeof of>): boolean => Boolean(o && o.status === 'fail' && o.evidence.some((e) => /pip could not|VersionMismatch|DistributionNotFound/.test(e) || missingDistribution(e, ownModules)));
    const freshInstall = deps && deps.status === 'fail' ? verdict(deps, get('deps'))
      : packageTrouble(imp) ? verdict(imp, get('import'))
        : packageTrouble(smoke) ? verdict(smoke, get('smoke'))
          : deps || imp ? 'OK' : 'not run';
    return {
      role: side.role, celery: side.celery, freshInstall,
      imports: verdict(imp, get('import')),
      tasksRegistered: typeof imp?.figures.tasks === 'number' ? imp.figures.tasks : null,
      smoke: verdict(smoke, get('smoke')),
      load: verdict(load, get('load')),
    };
  });
}
