// applyPlan: write a plan's safe edits. Guarantees, per file:
// - idempotent: a file that already holds the edit is left alone ('unchanged'); so is a plan with no edits;
// - a file changed since the plan was made is not touched ('skipped');
// - a file is only edited when it parses cleanly before AND after the edit (Python via tree-sitter,
//   YAML via `yaml`); otherwise 'skipped';
// - after writing, the file is re-read and must differ from the original in exactly the planned lines
//   (and hold exactly the planned text); if not, the original is restored and the edit reported 'failed'.
import { promises as fs } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parsePython } from '../model/python/parser.js';
import { applyReplacements, sha256 } from './edits.js';
import type { PlanEdit, TextReplacement, UpgradePlan } from './types.js';

export interface AppliedEdit {
  file: string;
  editId: string;
  status: 'written' | 'unchanged' | 'skipped' | 'failed';
  reason?: string;
}

export interface ApplyResult {
  root: string;
  results: AppliedEdit[];
  /** true when at least one file was written */
  changed: boolean;
}

async function parsesCleanly(file: string, text: string): Promise<boolean> {
  if (file.endsWith('.py')) {
    const tree = await parsePython(text);
    const ok = !tree.rootNode.hasError;
    tree.delete();
    return ok;
  }
  if (/\.ya?ml$/.test(file)) {
    return parseAllDocuments(text).every((d) => 'errors' in d && d.errors.length === 0);
  }
  return true;
}

function reversed(reps: TextReplacement[]): TextReplacement[] {
  // columns shift when `to` is longer/shorter than `from` earlier on the same line: recompute left to right
  const out: TextReplacement[] = [];
  const byLine = new Map<number, TextReplacement[]>();
  for (const r of reps) byLine.set(r.line, [...(byLine.get(r.line) ?? []), r]);
  for (const [line, list] of byLine) {
    let shift = 0;
    for (const r of [...list].sort((a, b) => a.column - b.column)) {
      out.push({ line, column: r.column + shift, from: r.to, to: r.from });
      shift += r.to.length - r.from.length;
    }
  }
  return out;
}

function changedLines(a: string, b: string): number[] | null {
  const x = a.split('\n');
  const y = b.split('\n');
  if (x.length !== y.length) return null;
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) out.push(i + 1);
  return out;
}

async function applyEdit(root: string, edit: PlanEdit): Promise<AppliedEdit> {
  const base = { file: edit.file, editId: edit.id };
  const abs = path.join(root, edit.file);
  // Bytes, not text: a file that is not valid UTF-8 (Latin-1 comments, a `# coding: latin-1` module)
  // is edited as Latin-1, where every byte maps to one character and back, so every byte outside the
  // edited spans is written back as it was (BOM and CRLF included).
  let buf: Buffer;
  try {
    buf = await fs.readFile(abs);
  } catch (err) {
    return { ...base, status: 'skipped', reason: `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
  }
  const encoding: BufferEncoding = isUtf8(buf) ? 'utf8' : 'latin1';
  const text = buf.toString(encoding);
  // the model read the file as UTF-8 (invalid bytes as U+FFFD): its hash names the same bytes
  const sameBase = sha256(text) === edit.baseSha256 || sha256(buf.toString('utf8')) === edit.baseSha256;
  if (!sameBase) {
    const undone = applyReplacements(text, reversed(edit.replacements)) ?? applyReplacements(buf.toString('utf8'), reversed(edit.replacements));
    if (undone !== null && sha256(undone) === edit.baseSha256) return { ...base, status: 'unchanged', reason: 'already applied' };
    return { ...base, status: 'skipped', reason: 'the file changed since the plan was made; run upgrade-plan again' };
  }
  if (!(await parsesCleanly(edit.file, text))) return { ...base, status: 'skipped', reason: 'the file does not parse cleanly; jobctl only edits files it can round-trip' };
  const after = applyReplacements(text, edit.replacements);
  if (after === null) return { ...base, status: 'skipped', reason: 'the planned text is not where the plan expects it' };
  if (after === text) return { ...base, status: 'unchanged' };
  if (!(await parsesCleanly(edit.file, after))) return { ...base, status: 'skipped', reason: 'the edited file would not parse; left as is' };

  const st = await fs.stat(abs);
  const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}.jobctl-${process.pid}.tmp`);
  await fs.writeFile(tmp, Buffer.from(after, encoding), { mode: st.mode });
  await fs.rename(tmp, abs);

  // verify the round trip: exactly the planned text, and only the planned lines differ
  const reread = (await fs.readFile(abs)).toString(encoding);
  const lines = changedLines(text, reread);
  const planned = [...new Set(edit.replacements.map((r) => r.line))].sort((a, b) => a - b);
  if (reread !== after || !lines || lines.join(',') !== planned.join(',')) {
    await fs.writeFile(abs, buf, { mode: st.mode });
    return { ...base, status: 'failed', reason: 'after writing, the file did not hold exactly the planned change; the original was restored' };
  }
  return { ...base, status: 'written' };
}

export async function applyPlan(plan: UpgradePlan, root: string = plan.root): Promise<ApplyResult> {
  const results: AppliedEdit[] = [];
  for (const edit of plan.edits) results.push(await applyEdit(root, edit));
  return { root, results, changed: results.some((r) => r.status === 'written') };
}

/** Every edit's diff, concatenated: a patch `git apply` / `patch -p1` accept. */
export function planDiffs(plan: UpgradePlan): string {
  return plan.edits.map((e) => e.diff.endsWith('\n') ? e.diff : `${e.diff}\n`).join('');
}
