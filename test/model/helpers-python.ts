// Build a ProjectModel from inline Python files and run readPython on it.
import type { ProjectModel, SourceFileInfo } from '../../src/model/types.js';
import { readPython } from '../../src/model/python/index.js';

export function emptyModel(root = '/project'): ProjectModel {
  return {
    root, files: [], apps: [], configSources: [], tasks: [], functions: [], dependencies: [], pythonVersions: [],
    workerCommands: [], envFiles: [], composeServices: [], redisConfs: [], notes: [], envAssignments: [], unread: [],
  };
}

/** Strip the common indentation of a template literal and its leading newline. */
export function py(text: string): string {
  const lines = text.replace(/^\n/, '').split('\n');
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length);
  const cut = indents.length > 0 ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut)).join('\n');
}

/** `env`: env assignments the deploy files (or the test runner's config) would have put in the model first. */
export async function readProject(files: Record<string, string>, env: ProjectModel['envAssignments'] = []): Promise<ProjectModel> {
  const model = emptyModel();
  model.envAssignments.push(...env);
  const infos: SourceFileInfo[] = Object.entries(files).map(([file, text]) => ({ file, kind: 'python', text: py(text) }));
  model.files.push(...infos);
  await readPython(infos, model);
  return model;
}
