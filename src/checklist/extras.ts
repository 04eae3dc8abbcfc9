// Facts the ProjectModel does not hold because no integration reads those files: Prometheus
// alerting rule files. A bounded walk (skips dependencies, VCS data and caches) that only opens
// small *.yml/*.yaml files and counts their `alert:` entries.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ChecklistExtras } from './types.js';

const SKIP = new Set(['node_modules', '__pycache__', 'site-packages', 'venv', 'dist', 'build', 'htmlcov']);
const MAX_DEPTH = 6;
const MAX_ENTRIES = 20_000;
const MAX_BYTES = 512 * 1024;

export async function collectExtras(root: string, exclude: string[] = []): Promise<ChecklistExtras> {
  const alertRuleFiles: ChecklistExtras['alertRuleFiles'] = [];
  let seen = 0;
  const walk = async (rel: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH || seen > MAX_ENTRIES) return;
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      seen += 1;
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (exclude.some((x) => childRel === x || childRel.startsWith(`${x.replace(/\/$/, '')}/`))) continue;
      if (e.isDirectory()) {
        if (e.name.startsWith('.') || SKIP.has(e.name)) continue;
        await walk(childRel, depth + 1);
      } else if (e.isFile() && /\.ya?ml$/i.test(e.name)) {
        const found = await alertRules(path.join(root, childRel));
        if (found) alertRuleFiles.push({ file: childRel, ...found });
      }
    }
  };
  await walk('', 0);
  return { alertRuleFiles };
}

/** A Prometheus rule file: `groups:` with `rules:` holding `- alert: Name` entries. */
async function alertRules(file: string): Promise<{ line: number; alerts: number } | null> {
  try {
    const st = await fs.stat(file);
    if (st.size > MAX_BYTES) return null;
    const text = await fs.readFile(file, 'utf8');
    if (!/^groups:/m.test(text) || !/^\s*rules:/m.test(text)) return null;
    const lines = text.split(/\r?\n/);
    const idx = lines.map((l, i) => (/^\s*-?\s*alert:\s*\S/.test(l) ? i : -1)).filter((i) => i >= 0);
    return idx.length > 0 ? { line: idx[0]! + 1, alerts: idx.length } : null;
  } catch {
    return null;
  }
}
