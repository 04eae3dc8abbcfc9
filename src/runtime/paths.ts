// Where jobctl's shipped files are, from the compiled module (dist/src/runtime) or the sources.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The package root (the folder holding package.json and templates/). */
export function packageRoot(): string {
  let dir = here;
  for (let i = 0; i < 5; i++) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'templates'))) return dir;
    dir = path.dirname(dir);
  }
  return path.resolve(here, '..', '..', '..');
}

export function templatesPythonDir(): string {
  return path.join(packageRoot(), 'templates', 'python');
}
