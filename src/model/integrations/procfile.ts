// Procfile (Heroku, Dokku, honcho, foreman): `process: command` per line.
import type { Integration } from './types.js';
import { basename, loc } from './text.js';
import { parseCeleryInvocations } from './celery-command.js';

export const procfileIntegration: Integration = {
  id: 'procfile',
  kind: 'procfile',
  matches: (rel) => /^Procfile(\.[\w.-]+)?$/.test(basename(rel)),
  read(file, model) {
    const lines = file.text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const m = /^\s*([A-Za-z0-9_-]+)\s*:\s*(.+)$/.exec(lines[i]!);
      if (!m || lines[i]!.trim().startsWith('#')) continue;
      const column = lines[i]!.indexOf(m[2]!) + 1;
      model.workerCommands.push(...parseCeleryInvocations(m[2]!, { source: 'procfile', file: file.file, loc: loc(file.file, i + 1, column), processName: m[1]! }));
    }
  },
};
