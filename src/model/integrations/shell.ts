// Shell scripts (*.sh, *.bash): each logical line that runs Celery, with `&` backgrounding seen.
import type { Integration } from './types.js';
import { logicalLines, loc } from './text.js';
import { parseCeleryInvocations } from './celery-command.js';

export const shellIntegration: Integration = {
  id: 'shell',
  kind: 'shell',
  matches: (rel) => /\.(sh|bash)$/.test(rel),
  read(file, model) {
    for (const ll of logicalLines(file.text)) {
      const t = ll.text.trim();
      if (!t || t.startsWith('#') || !/celery/.test(t)) continue;
      const column = ll.text.length - ll.text.trimStart().length + 1;
      model.workerCommands.push(...parseCeleryInvocations(t, { source: 'shell', file: file.file, loc: loc(file.file, ll.line, column) }));
    }
  },
};
