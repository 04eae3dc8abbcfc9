// Shell scripts (*.sh, *.bash, and extension-less start scripts a deploy file points to): each
// logical line that runs Celery, with `&` backgrounding seen; `VAR=value` / `export VAR=value`
// assignments (scoped to the script: they feed `-c $WORKERS`); the scripts it runs in turn.
import type { Location } from '../types.js';
import type { Integration, Reference } from './types.js';
import { locateInvocationLines, logicalLines, loc } from './text.js';
import { parseCeleryInvocations, scriptsRun } from './celery-command.js';

const ASSIGN = /^(?:export\s+|readonly\s+|declare\s+(?:-\w+\s+)?)?([A-Za-z_]\w*)=("([^"]*)"|'([^']*)'|([^\s;#]*))\s*(?:#.*)?$/;

export const shellIntegration: Integration = {
  id: 'shell',
  kind: 'shell',
  // s6-overlay service scripts (`s6-rc.d/<service>/run`, `services.d/<service>/run`) are shell scripts too
  matches: (rel) => /\.(sh|bash)$/.test(rel) || /(^|\/)(s6-rc\.d|services\.d)\/[^/]+\/(run|up)$/.test(rel),
  read(file, model) {
    const references: Reference[] = [];
    /** the script's own plain assignments so far (`PRE_START_PATH=deploy/docker/prestart.sh` … `. $PRE_START_PATH`) */
    const vars = new Map<string, string>();
    const run = (p: string, at: Location): void => {
      references.push({ kind: 'run', path: p, base: dirOf(file.file), from: at, launcher: { source: 'shell', file: file.file, loc: at } });
    };
    for (const ll of logicalLines(file.text)) {
      const t = ll.text.trim();
      if (!t || t.startsWith('#')) continue;
      const column = ll.text.length - ll.text.trimStart().length + 1;
      const at = loc(file.file, ll.line, column);
      const a = ASSIGN.exec(t);
      if (a) {
        model.envAssignments.push({ key: a[1]!, value: a[3] ?? a[4] ?? a[5] ?? '', file: file.file, loc: at, source: 'shell', scope: file.file });
        vars.set(a[1]!, a[3] ?? a[4] ?? a[5] ?? '');
        continue;
      }
      // `. deploy/prestart.sh` / `source $PRE_START`: the sourced script runs in this shell
      const sourced = /^(?:\.|source)\s+("?)(\$\{?\w+\}?|[\w./-]+)\1\s*$/.exec(t);
      if (sourced) {
        const v = /^\$\{?(\w+)\}?$/.exec(sourced[2]!);
        const p = v ? vars.get(v[1]!) : sourced[2]!;
        if (p && !p.includes('$')) run(p, at);
        continue;
      }
      // `cp deploy/supervisord/celery.conf /etc/supervisor/conf.d/`: a supervisord config the container's supervisord runs
      const cp = /^(?:sudo\s+)?(?:cp|ln\s+-s\w*)\s+(?:-\w+\s+)*([\w./-]+)\s+(\S*supervisor\S*)\s*$/.exec(t);
      if (cp && !cp[1]!.includes('$')) run(cp[1]!, at);
      const service = /(?:s6-rc\.d|services\.d)\/([^/]+)\/(?:run|up)$/.exec(file.file)?.[1];
      if (/celery/.test(t)) {
        const found = parseCeleryInvocations(t, { source: 'shell', file: file.file, loc: at, ...(service ? { processName: service } : {}) });
        locateInvocationLines(found, file.text, ll.endLine);
        model.workerCommands.push(...found);
      }
      if (/^(exec\s|\.\/|\/|bash\s|sh\s|python[\d.]*\s|[\w-]+\s.*\bsupervisord\b|supervisord\b)/.test(t)) {
        for (const p of scriptsRun(t)) run(p, at);
      }
    }
    return { references };
  },
};

function dirOf(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}
