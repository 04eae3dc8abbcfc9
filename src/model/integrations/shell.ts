// Shell scripts (*.sh, *.bash, and extension-less start scripts a deploy file points to): each
// logical line that runs Celery, with `&` backgrounding seen; `VAR=value` / `export VAR=value`
// assignments (scoped to the script: they feed `-c $WORKERS`); the scripts it runs in turn.
import type { Integration, Reference } from './types.js';
import { logicalLines, loc } from './text.js';
import { parseCeleryInvocations, scriptsRun } from './celery-command.js';

const ASSIGN = /^(?:export\s+|readonly\s+|declare\s+(?:-\w+\s+)?)?([A-Za-z_]\w*)=("([^"]*)"|'([^']*)'|([^\s;#]*))\s*(?:#.*)?$/;

export const shellIntegration: Integration = {
  id: 'shell',
  kind: 'shell',
  // s6-overlay service scripts (`s6-rc.d/<service>/run`, `services.d/<service>/run`) are shell scripts too
  matches: (rel) => /\.(sh|bash)$/.test(rel) || /(^|\/)(s6-rc\.d|services\.d)\/[^/]+\/(run|up)$/.test(rel),
  read(file, model) {
    const references: Reference[] = [];
    for (const ll of logicalLines(file.text)) {
      const t = ll.text.trim();
      if (!t || t.startsWith('#')) continue;
      const column = ll.text.length - ll.text.trimStart().length + 1;
      const at = loc(file.file, ll.line, column);
      const a = ASSIGN.exec(t);
      if (a) {
        model.envAssignments.push({ key: a[1]!, value: a[3] ?? a[4] ?? a[5] ?? '', file: file.file, loc: at, source: 'shell', scope: file.file });
        continue;
      }
      const service = /(?:s6-rc\.d|services\.d)\/([^/]+)\/(?:run|up)$/.exec(file.file)?.[1];
      if (/celery/.test(t)) model.workerCommands.push(...parseCeleryInvocations(t, { source: 'shell', file: file.file, loc: at, ...(service ? { processName: service } : {}) }));
      if (/^(exec\s|\.\/|\/|bash\s|sh\s|python[\d.]*\s)/.test(t)) {
        for (const p of scriptsRun(t)) {
          references.push({ kind: 'run', path: p, base: dirOf(file.file), from: at, launcher: { source: 'shell', file: file.file, loc: at } });
        }
      }
    }
    return { references };
  },
};

function dirOf(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}
