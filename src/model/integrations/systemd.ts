// systemd units (*.service): ExecStart= lines (the `-@:+!` prefixes removed, `%%` unescaped).
import type { Integration } from './types.js';
import { logicalLines, loc } from './text.js';
import { parseCeleryInvocations } from './celery-command.js';

export const systemdIntegration: Integration = {
  id: 'systemd',
  kind: 'systemd',
  matches: (rel) => /\.service$/.test(rel),
  read(file, model) {
    for (const ll of logicalLines(file.text)) {
      const m = /^\s*ExecStart\s*=\s*[-@:+!]*(.*)$/.exec(ll.text);
      if (!m || !m[1]!.trim()) continue;
      const cmd = m[1]!.replace(/%%/g, '%');
      model.workerCommands.push(...parseCeleryInvocations(cmd, { source: 'systemd', file: file.file, loc: loc(file.file, ll.line) }));
    }
  },
};
