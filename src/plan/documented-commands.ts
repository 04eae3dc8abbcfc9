// Celery commands the project documents (README, docs/): after the upgrade a 4.x-order command there fails
// for whoever copies it ("No such option"). Read here (I/O, like python-tested.ts) and handed to the pure
// planner, which writes a manual edit with the command in the 5.x order. Only lines that are a command
// (`celery ...`, `$ celery ...`, `python -m celery ...`) are read, never prose that mentions one.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { reorderCeleryArgv } from '../rules/lib/cli.js';
import type { ManualEdit } from './types.js';

export interface DocumentedCommand {
  file: string;
  line: number;
  /** the command as written, and its words */
  text: string;
  argv: string[];
}

const DOC = /\.(md|rst|txt)$/i;
const MAX_FILES = 200;

function docFiles(root: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(root)) if (/^readme/i.test(f) && DOC.test(f)) out.push(f);
  const walk = (rel: string, depth: number): void => {
    if (depth > 3 || out.length >= MAX_FILES) return;
    let entries: string[] = [];
    try {
      entries = readdirSync(path.join(root, rel));
    } catch {
      return;
    }
    for (const e of entries) {
      const r = `${rel}/${e}`;
      let st;
      try {
        st = statSync(path.join(root, r));
      } catch {
        continue;
      }
      if (st.isDirectory() && !e.startsWith('.') && e !== 'node_modules') walk(r, depth + 1);
      else if (st.isFile() && /\.(md|rst)$/i.test(e) && st.size < 512_000 && out.length < MAX_FILES) out.push(r);
    }
  };
  for (const d of ['docs', 'doc']) if (existsSync(path.join(root, d))) walk(d, 1);
  return out;
}

export function documentedCommands(root: string): DocumentedCommand[] {
  const out: DocumentedCommand[] = [];
  for (const file of docFiles(root)) {
    let text: string;
    try {
      text = readFileSync(path.join(root, file), 'utf8');
    } catch {
      continue;
    }
    text.split(/\r?\n/).forEach((l, i) => {
      const m = /^\s*(?:[$>]\s+)?(?:python3?\s+-m\s+)?(celery\s+[^`#|&;]+?)\s*(?:\\)?$/.exec(l);
      if (!m) return;
      const argv = m[1]!.trim().split(/\s+/);
      if (argv.length < 3) return;
      out.push({ file, line: i + 1, text: m[1]!.trim(), argv });
    });
  }
  return out;
}

/** A manual edit for each documented command that Celery 5 rejects in its order. */
export function documentedCommandEdits(commands: DocumentedCommand[], fromLegacy: boolean): ManualEdit[] {
  if (!fromLegacy) return [];
  const out: ManualEdit[] = [];
  for (const c of commands) {
    const fixed = reorderCeleryArgv(c.argv);
    if (!fixed) continue;
    out.push({
      file: c.file, line: c.line, title: 'Documented celery command in the 4.x order',
      why: 'Celery 5 rejects global options (-A, --app, -b, ...) after the sub-command and sub-command options before it ("No such option"): whoever copies this command after the upgrade gets an error.',
      suggestion: `\`${fixed.join(' ')}\``,
    });
  }
  return out;
}
