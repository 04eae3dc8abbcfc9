// supervisord programs: `[program:name]` sections with `command=` (continuation lines indented).
import type { Integration } from './types.js';
import { basename, loc } from './text.js';
import { parseCeleryInvocations } from './celery-command.js';

export const supervisordIntegration: Integration = {
  id: 'supervisord',
  kind: 'other',
  matches: (rel) => /^supervisord?([.-][\w.-]+)?\.(conf|ini)$/i.test(basename(rel)) || /(^|\/)supervisor(d)?(\/conf\.d)?\/[^/]+\.(conf|ini)$/i.test(rel),
  read(file, model) {
    const lines = file.text.split(/\r?\n/);
    let program: string | null = null;
    for (let i = 0; i < lines.length; i++) {
      const sec = /^\s*\[(?:program|fcgi-program):([^\]]+)\]/.exec(lines[i]!);
      if (sec) {
        program = sec[1]!.trim();
        continue;
      }
      if (/^\s*\[/.test(lines[i]!)) program = null;
      const m = program ? /^\s*command\s*=\s*(.*)$/.exec(lines[i]!) : null;
      if (!m) continue;
      let cmd = m[1]!;
      for (let j = i + 1; j < lines.length && /^\s+\S/.test(lines[j]!) && !/^\s*\w+\s*=/.test(lines[j]!); j++) cmd += ` ${lines[j]!.trim()}`;
      model.workerCommands.push(...parseCeleryInvocations(cmd.replace(/;.*$/, ''), { source: 'other', file: file.file, loc: loc(file.file, i + 1), processName: program! }));
    }
  },
};
