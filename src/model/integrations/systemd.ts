// systemd units (*.service, also Ansible/Jinja `*.service.j2`): ExecStart= lines (the `-@:+!` prefixes
// removed, `%%` unescaped, `$VAR`/`${VAR}` expanded from the unit's own Environment= as systemd does),
// Environment= / EnvironmentFile= as env assignments and references, a script run by ExecStart= as a
// reference. A Celery program named by a variable from an env file outside the project is unread.
import type { Integration, Reference } from './types.js';
import { basename, locateInvocationLines, logicalLines, loc } from './text.js';
import { parseCeleryInvocations, scriptsRun } from './celery-command.js';
import { templateView, unreadTemplated } from './template.js';
import { parse as shellParse } from 'shell-quote';

/** `Environment="A=1" "B=two words" C=3` → pairs */
function environmentPairs(v: string): [string, string][] {
  const out: [string, string][] = [];
  let words: unknown[];
  try {
    words = shellParse(v, (k: string) => `\${${k}}`);
  } catch {
    return out;
  }
  for (const w of words) {
    if (typeof w !== 'string') continue;
    const eq = w.indexOf('=');
    if (eq > 0) out.push([w.slice(0, eq), w.slice(eq + 1)]);
  }
  return out;
}

export const systemdIntegration: Integration = {
  id: 'systemd',
  kind: 'systemd',
  matches: (rel) => /\.service(\.(j2|jinja2?|tmpl|template))?$/.test(rel),
  read(file, model) {
    const view = templateView(file);
    const unit = basename(file.file).replace(/\.(j2|jinja2?|tmpl|template)$/, '').replace(/\.service$/, '');
    const dir = file.file.includes('/') ? file.file.slice(0, file.file.lastIndexOf('/')) : '';
    const references: Reference[] = [];
    const env = new Map<string, string>();
    const envFiles: string[] = [];
    const execs: { cmd: string; line: number; endLine: number }[] = [];
    for (const ll of logicalLines(view.text)) {
      const m = /^\s*(ExecStart|Environment|EnvironmentFile)\s*=\s*(.*)$/.exec(ll.text);
      if (!m) continue;
      const at = loc(file.file, ll.line);
      if (m[1] === 'Environment') {
        if (view.unknownLines.has(ll.line)) continue;
        for (const [k, v] of environmentPairs(m[2]!)) {
          env.set(k, v);
          model.envAssignments.push({ key: k, value: v, file: file.file, loc: at, source: 'systemd', scope: unit });
        }
      } else if (m[1] === 'EnvironmentFile') {
        const p = m[2]!.trim().replace(/^-/, '');
        envFiles.push(p);
        if (!p.startsWith('/')) references.push({ kind: 'env-file', path: p, base: dir, from: at, source: 'systemd', scope: unit, optional: m[2]!.trim().startsWith('-') });
      } else if (m[2]!.trim()) {
        if (view.unknownLines.has(ll.line)) {
          if (/celery/i.test(m[2]!)) unreadTemplated(model, file.file, ll.line, `the ExecStart= of ${unit}`);
          continue;
        }
        execs.push({ cmd: m[2]!.replace(/^[-@:+!]*/, '').replace(/%%/g, '%'), line: ll.line, endLine: ll.endLine });
      }
    }
    for (const { cmd, line, endLine } of execs) {
      const at = loc(file.file, line);
      // systemd expands $VAR / ${VAR} in ExecStart= from Environment= itself
      const expanded = cmd.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a?: string, b?: string) => env.get((a ?? b)!) ?? whole);
      const found = parseCeleryInvocations(expanded, { source: 'systemd', file: file.file, loc: at, processName: unit });
      locateInvocationLines(found, view.text, endLine);
      model.workerCommands.push(...found);
      if (found.length > 0) continue;
      const program = /^\s*(?:\/bin\/(?:ba)?sh\s+-c\s+['"])?\s*(\$\{?\w+\}?)/.exec(expanded)?.[1];
      if (program && /celery/i.test(cmd)) {
        const from = envFiles.length > 0 ? ` (set in ${envFiles.join(', ')})` : '';
        model.unread.push({ file: file.file, loc: at, what: `the Celery command of ${unit}: its program is \`${program}\`${from}`, reason: 'the variable is not set in the unit or the project, so the worker options were not read' });
        continue;
      }
      for (const p of scriptsRun(expanded)) references.push({ kind: 'run', path: p, base: dir, from: at, launcher: { source: 'systemd', file: file.file, loc: at, processName: unit } });
    }
    return { references };
  },
};
