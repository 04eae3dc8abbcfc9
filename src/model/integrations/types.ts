// A fact source ("integration", in knip's sense): one small plug-in per kind of file that feeds
// the shared ProjectModel. Each reads text it is given and never throws on malformed input:
// what it cannot read becomes a Note.
import type { ProjectModel, SourceFileInfo } from '../types.js';

export interface Integration {
  id: string;
  /** does this integration read that file? (path is relative to the project root, POSIX) */
  matches(relPath: string): boolean;
  /** the SourceFileInfo.kind given to files it matches */
  kind: SourceFileInfo['kind'];
  /** read one file into the model (push into model arrays; add Notes for what could not be read) */
  read(file: SourceFileInfo, model: ProjectModel, ctx: IntegrationContext): void | Promise<void>;
}

export interface IntegrationContext {
  /** set of files tracked by git (relative POSIX paths), or null when not a git checkout */
  gitTracked: Set<string> | null;
}
