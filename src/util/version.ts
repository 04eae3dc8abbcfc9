// jobctl's own version, read once from package.json.
import { readFileSync } from 'node:fs';

function readVersion(): string {
  try {
    // dist/src/util/version.js -> ../../../package.json (also right for src/util when run from source)
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export const TOOL_VERSION = readVersion();
