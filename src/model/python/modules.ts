// File path -> importable module name, and module name -> project file (with a fallback for
// namespace packages / src layouts, where the importable name is a suffix of the path).

/** Test code by its path (tests/ folders, test_*.py, *_test(s).py, conftest.py): the model reads no worker config there. */
export const TEST_CODE_PATH = /(^|\/)(tests?|testing)\/|(^|\/)(test_[^/]*|[^/]*_tests?|conftest)\.py$/;

export interface ModuleInfo {
  file: string;
  module: string;
  isPackage: boolean; // an __init__.py
}

function stemOf(file: string): string {
  const base = file.slice(file.lastIndexOf('/') + 1);
  return base.endsWith('.py') ? base.slice(0, -3) : base;
}

function dirOf(file: string): string {
  const i = file.lastIndexOf('/');
  return i < 0 ? '' : file.slice(0, i);
}

/**
 * Module names for every file: walk up while the folder holds an __init__.py. A file a Dockerfile puts at
 * another path (`placed`: `RUN cp docker/config.py settings/config.py`) is named as the module at that path.
 */
export function moduleNames(files: string[], placed: { from: string; to: string }[] = []): ModuleInfo[] {
  const packageDirs = new Set<string>();
  for (const f of files) if (f === '__init__.py' || f.endsWith('/__init__.py')) packageDirs.add(dirOf(f));
  const out: ModuleInfo[] = [];
  for (const file of files) {
    const at = placed.find((p) => p.from === file && p.to.endsWith('.py'))?.to ?? file;
    const stem = stemOf(at);
    const isPackage = stem === '__init__';
    const parts: string[] = isPackage ? [] : [stem];
    let dir = dirOf(at);
    while (dir !== '' && packageDirs.has(dir)) {
      parts.unshift(dir.slice(dir.lastIndexOf('/') + 1));
      dir = dirOf(dir);
    }
    // an __init__.py at the project root has no package name: use the root-relative stem
    const module = parts.length > 0 ? parts.join('.') : stem;
    out.push({ file, module, isPackage });
  }
  return out;
}

export class ModuleIndex {
  private byModule = new Map<string, ModuleInfo>();
  private bySuffix = new Map<string, ModuleInfo[]>();
  readonly byFile = new Map<string, ModuleInfo>();

  constructor(infos: ModuleInfo[]) {
    // sorted input -> the first file wins a module name (deterministic)
    for (const info of infos) {
      this.byFile.set(info.file, info);
      if (!this.byModule.has(info.module)) this.byModule.set(info.module, info);
      // every dotted suffix of the path (for namespace packages and odd layouts)
      const noExt = info.file.replace(/\.py$/, '');
      const segs = noExt.split('/');
      if (info.isPackage) segs.pop();
      if (segs.some((s) => s === '' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(s))) {
        continue;
      }
      for (let i = 0; i < segs.length; i++) {
        const key = segs.slice(i).join('.');
        let list = this.bySuffix.get(key);
        if (!list) this.bySuffix.set(key, (list = []));
        list.push(info);
      }
    }
  }

  /** suffix -> the candidate `find` picks, when there are several (the linker asks for the same names many times) */
  private picked = new Map<string, ModuleInfo>();

  /** The project file of an importable module name, if the project has it. */
  find(module: string): ModuleInfo | undefined {
    const direct = this.byModule.get(module);
    if (direct) return direct;
    const cands = this.bySuffix.get(module);
    if (!cands || cands.length === 0) return undefined;
    if (cands.length === 1) return cands[0];
    let pick = this.picked.get(module);
    // prefer a real module over a package with the same suffix, then the shortest path
    if (!pick) this.picked.set(module, (pick = [...cands].sort((a, b) => a.file.length - b.file.length || (a.file < b.file ? -1 : 1))[0]!));
    return pick;
  }

  /** Module names of every file of the package `module` (its __init__ and direct children). */
  packageMembers(pkg: ModuleInfo): ModuleInfo[] {
    const dir = dirOf(pkg.file);
    const out: ModuleInfo[] = [];
    for (const info of this.byFile.values()) if (dirOf(info.file) === dir) out.push(info);
    return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  }

  all(): IterableIterator<ModuleInfo> {
    return this.byFile.values();
  }
}

/** Absolute module of a relative import (`from ..core import x` in a.b.c -> 'a.core'). */
export function resolveRelative(current: ModuleInfo, level: number, name: string): string {
  const parts = current.module.split('.');
  // the package of a module is its parent; of a package, itself
  const pkg = current.isPackage ? parts : parts.slice(0, -1);
  const base = level - 1 > 0 ? pkg.slice(0, Math.max(0, pkg.length - (level - 1))) : pkg;
  return [...base, ...(name ? name.split('.') : [])].filter(Boolean).join('.');
}
