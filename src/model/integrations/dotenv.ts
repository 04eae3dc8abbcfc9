// .env files (`.env`, `.env.production`, `backend/.env`, `prod.env`): values as the dotenv package
// reads them, each placed on the line that sets it. Whether git tracks the file matters (JC503).
// Env files under other names (`.envs/.production/.django`) are read when compose `env_file:` names them.
import { parse as parseDotenv } from 'dotenv';
import type { EnvFile, EnvVar, ProjectModel, SourceFileInfo } from '../types.js';
import type { Integration, IntegrationContext } from './types.js';
import { basename, loc } from './text.js';

export function isEnvFile(rel: string): boolean {
  const name = basename(rel);
  return name === '.env' || /^\.env[.-][\w.-]+$/.test(name) || /^[\w-]+\.env$/.test(name);
}

/**
 * Read one env file into model.envFiles; `assign`: its values also go to envAssignments, unscoped (a file
 * read because a service names it is assigned by the caller, scoped to that service).
 */
export function readEnvFile(file: SourceFileInfo, model: ProjectModel, ctx: IntegrationContext, assign = true): EnvFile {
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
  const env: EnvFile = { file: file.file, vars, gitTracked: ctx.gitTracked ? ctx.gitTracked.has(file.file) : null };
  model.envFiles.push(env);
  if (assign) for (const v of vars) model.envAssignments.push({ key: v.key, value: v.value, file: file.file, loc: v.loc, source: 'dotenv' });
  return env;
}

export const dotenvIntegration: Integration = {
  id: 'dotenv',
  kind: 'env',
  matches: isEnvFile,
  read(file, model, ctx) {
    readEnvFile(file, model, ctx);
  },
};
