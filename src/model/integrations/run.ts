// Runs the integrations over the files that match them, then follows the references they return
// (./references.ts). One call from the model builder; an integration bug becomes a note, never a crash.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ProjectModel, SourceFileInfo } from '../types.js';
import type { Integration, Reference } from './types.js';
import { followReferences } from './references.js';

export interface DeployReadContext {
  root: string;
  /** every file of the project (relative POSIX paths) */
  files: string[];
  gitTracked: Set<string> | null;
  maxFileBytes: number;
}

export async function readIntegrations(pending: { info: SourceFileInfo; integ: Integration[] }[], model: ProjectModel, ctx: DeployReadContext): Promise<void> {
  const references: Reference[] = [];
  const exists = new Set(ctx.files);
  const readText = async (rel: string): Promise<string | null> => {
    try {
      const buf = await fs.readFile(path.join(ctx.root, rel));
      return buf.length > ctx.maxFileBytes || buf.includes(0) ? null : buf.toString('utf8');
    } catch {
      return null;
    }
  };
  for (const { info, integ } of pending) {
    for (const integration of integ) {
      try {
        const inputs = new Map<string, string>();
        for (const r of integration.inputs?.(info.file, (p) => exists.has(p)) ?? []) {
          const t = model.files.find((f) => f.file === r)?.text ?? (await readText(r));
          if (t !== null) inputs.set(r, t);
        }
        const res = await integration.read(info, model, { gitTracked: ctx.gitTracked, inputs });
        if (res?.references) references.push(...res.references);
      } catch (err) {
        // an integration bug must not sink the whole audit
        model.notes.push({ level: 'warning', file: info.file, message: `${integration.id}: could not read (${(err as Error).message})` });
      }
    }
  }
  try {
    await followReferences(references, model, { files: ctx.files, read: readText, integration: { gitTracked: ctx.gitTracked } });
  } catch (err) {
    model.notes.push({ level: 'warning', message: `following deploy file references failed (${(err as Error).message})` });
  }
}
