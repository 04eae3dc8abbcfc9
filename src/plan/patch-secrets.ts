// `upgrade-plan --format diff`: a patch that `git apply` takes and that prints no credential.
// Masking a hunk would change its context and removed lines, and the patch would no longer apply;
// so the edit of a file whose hunk holds a credential position is left out whole, and named (in the
// patch's leading comment, which git apply and patch skip, and on stderr).
import { maskText } from '../util/mask.js';
import type { UpgradePlan } from './types.js';

export function appliablePatch(plan: Pick<UpgradePlan, 'edits'>): { text: string; leftOut: string[] } {
  const leftOut: string[] = [];
  let body = '';
  for (const e of plan.edits) {
    const diff = e.diff.endsWith('\n') ? e.diff : `${e.diff}\n`;
    if (maskText(diff) !== diff) leftOut.push(e.file);
    else body += diff;
  }
  const head = leftOut.map((f) => `# jobctl: ${f} left out of this patch: its lines hold a credential; apply that edit with \`jobctl upgrade-plan --apply\`\n`).join('');
  return { text: head + body, leftOut };
}
