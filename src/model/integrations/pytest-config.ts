// DJANGO_SETTINGS_MODULE as the test runner sets it: pytest-django's ini option in pytest.ini / tox.ini `[pytest]`,
// setup.cfg `[tool:pytest]`, pyproject.toml `[tool.pytest.ini_options]`, pytest-env's `env = DJANGO_SETTINGS_MODULE=…`
// lines there, and tox's `setenv`. These are the *test* settings: each becomes an env assignment with source 'pytest',
// which the Django reader uses only to find the settings package, never as the worker's module.
import type { Integration } from './types.js';
import { basename, loc } from './text.js';

/** The sections pytest (and tox's test environments) read options and env from, per file name. */
const SECTIONS: Record<string, RegExp> = {
  'pytest.ini': /^(pytest)$/,
  'tox.ini': /^(pytest|testenv(:.*)?)$/,
  'setup.cfg': /^(tool:pytest)$/,
  'pyproject.toml': /^(tool\.pytest(\.ini_options)?)$/,
};

/** `DJANGO_SETTINGS_MODULE = x` (ini option), `"DJANGO_SETTINGS_MODULE=x"` (a pytest-env list item), `D:DJANGO_SETTINGS_MODULE=x`. */
const SETTING = /(?:^|["'\s,[]|[DR]:)DJANGO_SETTINGS_MODULE\s*[=:]\s*["']?([A-Za-z_][\w.]*)/;

export const pytestConfigIntegration: Integration = {
  id: 'pytest-config',
  kind: 'other',
  matches: (rel) => basename(rel) in SECTIONS,
  read(file, model) {
    const wanted = SECTIONS[basename(file.file)]!;
    const lines = file.text.split(/\r?\n/);
    let inSection = false;
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      if (/^\s*[#;]/.test(l)) continue;
      const sec = /^\s*\[([^\]]+)\]\s*$/.exec(l);
      if (sec) {
        inSection = wanted.test(sec[1]!.trim());
        continue;
      }
      if (!inSection) continue;
      const m = SETTING.exec(l);
      if (m) model.envAssignments.push({ key: 'DJANGO_SETTINGS_MODULE', value: m[1]!, file: file.file, loc: loc(file.file, i + 1), source: 'pytest' });
    }
  },
};
