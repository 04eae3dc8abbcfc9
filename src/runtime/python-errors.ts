// Turning a Python error line into a one-line fix.
import { existsSync } from 'node:fs';
import path from 'node:path';

export function fixForPythonError(reason: string, root: string, python: string): string {
  const m = /No module named '([^']+)'/.exec(reason);
  if (m) {
    const top = m[1]!.split('.')[0]!;
    // a module of the project itself: the import is wrong, not the environment
    if (existsSync(path.join(root, top)) || existsSync(path.join(root, `${top}.py`))) return `fix the import (${m[1]} is not in the project) or check --app and the project folder`;
    return `install ${top} into ${python}'s environment (pip install ${top}) or pass --python with the project's interpreter`;
  }
  return 'fix the error, or check --app and the project folder';
}
