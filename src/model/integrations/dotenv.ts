// .env files (`.env`, `.env.production`, `backend/.env`, `prod.env`): values as the dotenv package
// reads them, each placed on the line that sets it. Whether git tracks the file matters (JC503).
import { parse as parseDotenv } from 'dotenv';
import type { EnvVar } from '../types.js';
import type { Integration } from './types.js';
import { basename, loc } from './text.js';

export function isEnvFile(rel: string): boolean {
  const name = basename(rel);
  return name === '.env' || /^\.env[.-][\w.-]+$/.test(name) || /^[\w-]+\.env$/.test(name);
}

export const dotenvIntegration: Integration = {
  id: 'dotenv',
  kind: 'env',
  matches: isEnvFile,
  read(file, model, ctx) {
    const values = parseDotenv(file.text);
    const lines = file.text.split(/\r?\n/);
    const lineOf = new Map<string, number>();
    for (let i = 0; i < lines.length; i++) {
      const m = /^\s*(?:export\s+)?([\w.-]+)\s*=/.exec(lines[i]!);
      if (m) lineOf.set(m[1]!, i + 1); // dotenv keeps the last assignment of a key
    }
    const vars: EnvVar[] = [];
    for (const [key, value] of Object.entries(values)) {
      vars.push({ key, value, loc: loc(file.file, lineOf.get(key) ?? 1) });
    }
    vars.sort((a, b) => a.loc.line - b.loc.line);
    model.envFiles.push({ file: file.file, vars, gitTracked: ctx.gitTracked ? ctx.gitTracked.has(file.file) : null });
  },
};
