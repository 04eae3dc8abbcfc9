// supervisord programs: `[program:name]` sections with `command=` (continuation lines indented),
// `environment=A="1",B="2"` (env assignments scoped to the program), a script run by the command as
// a reference. Jinja-templated configs (`*.conf.j2`) are read with their template tags blanked.
import type { Integration, Reference } from './types.js';
import { basename, loc } from './text.js';
import { parseCeleryInvocations, scriptsRun } from './celery-command.js';
import { templateView, unreadTemplated } from './template.js';

/** supervisord's `KEY="val",KEY2=val2` */
function environmentPairs(v: string): [string, string][] {
  const out: [string, string][] = [];
  for (const m of v.matchAll(/([A-Za-z_]\w*)\s*=\s*("([^"]*)"|'([^']*)'|([^,]*))/g)) out.push([m[1]!, (m[3] ?? m[4] ?? m[5] ?? '').trim()]);
  return out;
}

export const supervisordIntegration: Integration = {
  id: 'supervisord',
  kind: 'other',
  matches: (rel) => {
    const r = rel.replace(/\.(j2|jinja2?|tmpl)$/, '');
    return /^supervisord?([.-][\w.-]+)?\.(conf|ini)$/i.test(basename(r)) || /(^|\/)supervisor(d)?(\/conf\.d)?\/[^/]+\.(conf|ini)$/i.test(r);
  },
  read(file, model) {
    const view = templateView(file);
    const lines = view.text.split(/\r?\n/);
    const references: Reference[] = [];
    let program: string | null = null;
    let include = false;
    for (let i = 0; i < lines.length; i++) {
      const sec = /^\s*\[(?:program|fcgi-program):([^\]]+)\]/.exec(lines[i]!);
      if (sec) {
        program = sec[1]!.trim();
        include = false;
        continue;
      }
      if (/^\s*\[/.test(lines[i]!)) {
        program = null;
        include = /^\s*\[include\]/.test(lines[i]!);
      }
      // `[include] files = /etc/supervisor/conf.d/*.conf relative/*.ini`: more programs of this supervisord
      const inc = include && !view.unknownLines.has(i + 1) ? /^\s*files\s*=\s*(.*)$/.exec(lines[i]!) : null;
      if (inc) {
        const at = loc(file.file, i + 1);
        for (const f of inc[1]!.split(/\s+/).filter((x) => x && !x.includes('%'))) {
          references.push({ kind: 'run', path: f.startsWith('/') && /\/[^/]*\*[^/]*$/.test(f) ? `${f.slice(0, f.lastIndexOf('/'))}/*` : f, base: dirOf(file.file), from: at, launcher: { source: 'other', file: file.file, loc: at, include: true } });
        }
        continue;
      }
      const m = program ? /^\s*(command|environment)\s*=\s*(.*)$/.exec(lines[i]!) : null;
      if (!m) continue;
      let value = m[2]!;
      for (let j = i + 1; j < lines.length && /^\s+\S/.test(lines[j]!) && !/^\s*\w+\s*=/.test(lines[j]!); j++) value += ` ${lines[j]!.trim()}`;
      const at = loc(file.file, i + 1);
      if (m[1] === 'environment') {
        if (view.unknownLines.has(i + 1)) continue;
        for (const [k, v] of environmentPairs(value)) model.envAssignments.push({ key: k, value: v, file: file.file, loc: at, source: 'supervisord', scope: program! });
        continue;
      }
      const cmd = value.replace(/\s;.*$/, '');
      if (view.unknownLines.has(i + 1)) {
        if (/celery/.test(cmd)) unreadTemplated(model, file.file, i + 1, `the command of program ${program!}`);
        continue;
      }
      const found = parseCeleryInvocations(cmd, { source: 'other', file: file.file, loc: at, processName: program! });
      model.workerCommands.push(...found);
      if (found.length === 0) for (const p of scriptsRun(cmd)) references.push({ kind: 'run', path: p, base: '', from: at, launcher: { source: 'other', file: file.file, loc: at, processName: program! } });
    }
    return { references };
  },
};

function dirOf(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}
