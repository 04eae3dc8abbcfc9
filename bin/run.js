#!/usr/bin/env node
// jobctl entry point: oclif resolves commands from dist/src/commands (built by `npm run build`).
import module from 'node:module';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(`jobctl: Node.js >= 22 is required (this is ${process.version}); install one with \`npm install -g node@24\` (as README says) or from your package manager.\n`);
  process.exit(2);
}
if (!existsSync(new URL('../dist/src/commands', import.meta.url))) {
  process.stderr.write('jobctl: not built (dist/src/commands is missing); run `npm run build` and read its errors\n');
  process.exit(2);
}

// Node's on-disk compile cache (V8 code cache of jobctl's and its dependencies' modules) roughly halves
// module-loading time on the second run. It lives in jobctl's cache folder (the one verify's venvs use),
// never in /tmp. A cache that cannot be created is simply not used; `--no-cache` (audit) writes no cache at all.
if (typeof module.enableCompileCache === 'function' && !process.env.NODE_DISABLE_COMPILE_CACHE && !process.argv.includes('--no-cache')) {
  const base = process.env.JOBCTL_CACHE_DIR ? path.resolve(process.env.JOBCTL_CACHE_DIR)
    : path.join(process.env.XDG_CACHE_HOME ? path.resolve(process.env.XDG_CACHE_HOME) : path.join(homedir(), '.cache'), 'jobctl');
  try { module.enableCompileCache(path.join(base, 'compile')); } catch { /* no cache: same result, slower */ }
}

const { execute, Plugin } = await import('@oclif/core');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
await execute(staleManifest() ? { loadOptions: { root, plugins: await freshRootPlugin() } } : { dir: import.meta.url });

/**
 * oclif.manifest.json (written by `npm run build`) lets oclif load only the command it runs. After a bare
 * `tsc` in a checkout it may describe older flags; then commands are read from dist/ instead (slower, right).
 */
function staleManifest() {
  let built;
  try { built = statSync(path.join(root, 'oclif.manifest.json')).mtimeMs; } catch { return false; }
  try {
    const dir = path.join(root, 'dist', 'src', 'commands');
    return readdirSync(dir).some((f) => f.endsWith('.js') && statSync(path.join(dir, f)).mtimeMs > built);
  } catch { return false; }
}

async function freshRootPlugin() {
  const plugin = new Plugin({ root, type: 'core', isRoot: true, ignoreManifest: true });
  await plugin.load();
  return new Map([[plugin.name, plugin]]);
}
