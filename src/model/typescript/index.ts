// Reader for TypeScript/JavaScript job code. Files are pre-filtered by text (an import of a queue/broker
// client, or a celery-node call) so ts-morph — heavy to load — is only imported when something may match.
import type { ProjectModel, SourceFileInfo } from '../types.js';
import { readNpmFile } from './npm.js';
import type { TsModel } from './types.js';

const SOURCE_FILE = /\.(?:ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;
const NPM_FILE = /(?:^|\/)(?:package\.json|package-lock\.json)$/;

/** Clients whose use makes a file worth parsing. */
const CLIENT_IMPORT = /(?:\bfrom\s*|\brequire\s*\(\s*|\bimport\s*\(\s*)['"](?:bullmq|celery-node|celery-ts|ioredis|redis|amqplib(?:\/callback_api)?)['"]/;
/** celery-node calls on a client imported from another module of the project */
const CELERY_CALL = /\.(?:createTask|sendTask)\s*\(\s*['"`]/;

/** Whether a JavaScript/TypeScript source is worth parsing: it imports a queue/broker client or calls celery-node. */
export function usesJobClient(text: string): boolean {
  return CLIENT_IMPORT.test(text) || CELERY_CALL.test(text);
}

/** Files the TypeScript reader wants: sources (not declarations, not minified bundles) and npm manifests. */
export function isTypeScriptInput(rel: string): boolean {
  if (NPM_FILE.test(rel)) return true;
  return SOURCE_FILE.test(rel) && !/\.d\.[mc]?ts$/.test(rel) && !/\.min\.js$/.test(rel);
}

export function typeScriptKind(rel: string): 'typescript' | 'npm' {
  return NPM_FILE.test(rel) ? 'npm' : 'typescript';
}

export function emptyTsModel(): TsModel {
  return { parsedFiles: [], npmDependencies: [], celeryProducers: [], celeryResultWaits: [], bullQueues: [], bullWorkers: [], bullJobAdds: [], bullRemovedApis: [] };
}

export async function readTypeScript(files: SourceFileInfo[], model: ProjectModel): Promise<void> {
  if (files.length === 0) return;
  const ts = emptyTsModel();
  const sources: SourceFileInfo[] = [];
  for (const f of files) {
    if (NPM_FILE.test(f.file)) ts.npmDependencies.push(...readNpmFile(f, model));
    else sources.push(f);
  }
  const candidates = sources.filter((f) => usesJobClient(f.text));
  if (candidates.length > 0) {
    try {
      const { extractTypeScript } = await import('./extract.js');
      extractTypeScript(candidates, sources, ts);
    } catch (err) {
      // a parser problem must not sink the audit of the Python side
      model.notes.push({ level: 'warning', message: `TypeScript/JavaScript code could not be read (${(err as Error).message})` });
    }
  }
  if (ts.npmDependencies.length > 0 || candidates.length > 0) model.ts = ts;
}
