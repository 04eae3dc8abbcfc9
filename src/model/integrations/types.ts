// A fact source ("integration", in knip's sense): one small plug-in per kind of file that feeds
// the shared ProjectModel. Each reads text it is given and never throws on malformed input:
// what it cannot read becomes a Note (or an UnreadSource). An integration never opens another file:
// it returns the files it points to (References) and the core (./references.ts) follows them.
import type { EnvAssignment, Launcher, Location, ProjectModel, SourceFileInfo } from '../types.js';

export interface Integration {
  id: string;
  /** does this integration read that file? (path is relative to the project root, POSIX) */
  matches(relPath: string): boolean;
  /** the SourceFileInfo.kind given to files it matches */
  kind: SourceFileInfo['kind'];
  /**
   * files this one cannot be read without (a Helm template's chart values.yaml): the core reads them
   * and hands their text over in ctx.inputs
   */
  inputs?(relPath: string, exists: (rel: string) => boolean): string[];
  /** read one file into the model (push into model arrays; add Notes for what could not be read) */
  read(file: SourceFileInfo, model: ProjectModel, ctx: IntegrationContext): void | ReadResult | Promise<void | ReadResult>;
}

export interface IntegrationContext {
  /** set of files tracked by git (relative POSIX paths), or null when not a git checkout */
  gitTracked: Set<string> | null;
  /** text of the files named by Integration.inputs, by relative path (absent when not found) */
  inputs?: Map<string, string>;
}

export interface ReadResult {
  references?: Reference[];
}

/**
 * A file another file points to. Paths are as written (container paths like `/start-celeryworker`,
 * paths relative to `base`); the core resolves them against the project's files.
 */
export type Reference =
  /** a command that runs a program or script: compose `command: /start`, ExecStart=/opt/app/run.sh, Procfile */
  | { kind: 'run'; path: string; base: string; launcher: Launcher; from: Location; dockerfile?: string }
  /** an env file loaded for a service/unit: compose env_file, systemd EnvironmentFile= */
  | { kind: 'env-file'; path: string; base: string; from: Location; source: EnvAssignment['source']; scope?: string; optional?: boolean }
  /** Dockerfile COPY/ADD: project path `src` (relative to the build context; its last part may be a glob) lands at container path `dest` (in build stage `stage`, 0-based) */
  | { kind: 'copy'; src: string; dest: string; dockerfile: string; from: Location; stage?: number }
  /** compose bind mount: project path `src` ('' for the compose file's folder itself) appears at container path `dest` in service `service` of compose file `compose` */
  | { kind: 'mount'; src: string; dest: string; compose: string; service: string; from: Location }
  /** `RUN cp a b` / `RUN mv a b`: image path `src` copied to image path `dest` (both absolute, WORKDIR applied) */
  | { kind: 'image-copy'; src: string; dest: string; dockerfile: string; from: Location; stage?: number }
  /** the image's working directory after a WORKDIR (a relative script path runs from there) */
  | { kind: 'workdir'; dockerfile: string; path: string; from: Location }
  /** a container takes every variable of another env source (k8s `envFrom`): `source` is that scope, null when unreadable (a Secret, a templated name) */
  | { kind: 'env-from'; source: string | null; scope: string; from: Location }
  /** a compose service built from this Dockerfile with this context */
  | { kind: 'build'; dockerfile: string; context: string; service: string; from: Location };
