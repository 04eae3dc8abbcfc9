// The core side of references (knip's resolveEntryPaths): integrations return the files they point
// to; this module resolves each against the project's files and reads it with the integration that
// reads that kind of file. compose `command: /start-celeryworker` → the Dockerfile's
// `COPY ./compose/production/django/celery/worker/start /start-celeryworker` → that script's
// `exec celery … worker` line, which then knows the service that launches it and its environment.
import path from 'node:path';
import type { EnvAssignment, Launcher, Location, ProjectModel, SourceFileInfo } from '../types.js';
import type { IntegrationContext, ReadResult, Reference } from './types.js';
import { shellIntegration } from './shell.js';
import { supervisordIntegration } from './supervisord.js';
import { markProcfilePlatforms } from './platform.js';
import { MANAGEMENT_COMMAND } from './celery-command.js';
import { readPythonLauncher } from './python-launcher.js';
import { readEnvFile } from './dotenv.js';
import { applyCommandOptions, type VarLookup } from './worker-options.js';

export interface FollowContext {
  /** every file of the project (relative POSIX paths) */
  files: string[];
  /** read a project file's text (the core's reader); null when it cannot be read */
  read(rel: string): Promise<string | null>;
  integration: IntegrationContext;
}

type CopyRef = Extract<Reference, { kind: 'copy' }>;
type RunRef = Extract<Reference, { kind: 'run' }>;
type EnvRef = Extract<Reference, { kind: 'env-file' }>;

const MAX_DEPTH = 4;

export async function followReferences(refs: Reference[], model: ProjectModel, ctx: FollowContext): Promise<void> {
  const files = new Set(ctx.files);
  const dirs = new Set<string>();
  for (const f of ctx.files) for (let d = path.posix.dirname(f); d !== '.' && !dirs.has(d); d = path.posix.dirname(d)) dirs.add(d);
  const contexts = new Map<string, string[]>();
  for (const r of refs) if (r.kind === 'build') contexts.set(r.dockerfile, [...(contexts.get(r.dockerfile) ?? []), r.context]);
  const copies = refs.filter((r): r is CopyRef => r.kind === 'copy');

  /** project paths a COPY source may be: relative to its build context(s), else the root or the Dockerfile's folder */
  const copySources = (c: CopyRef): string[] => {
    const bases = contexts.get(c.dockerfile) ?? ['', path.posix.dirname(c.dockerfile)];
    return [...new Set(bases.map((b) => norm(path.posix.join(b, c.src))))].filter((p) => files.has(p) || dirs.has(p) || p === '' || (globOf(p) !== null && (dirs.has(path.posix.dirname(p)) || path.posix.dirname(p) === '.')));
  };
  // the Dockerfiles whose images hold a script: their ENV is the script's environment underneath the service's
  const images = new Map<string, Set<string>>();
  const imageOf = (p: string): Set<string> => {
    if (!images.has(p)) images.set(p, new Set());
    return images.get(p)!;
  };
  // the last WORKDIR of each Dockerfile: `bash celery_worker.sh` runs from there
  const workdirs = new Map<string, string>();
  for (const r of refs) if (r.kind === 'workdir') workdirs.set(r.dockerfile, r.path);
  const resolveRun = (r: RunRef): string[] => {
    const mgmt = r.path.indexOf(MANAGEMENT_COMMAND);
    if (mgmt >= 0) {
      // `python manage.py run_worker`: run_worker.py in a management/commands folder of an app under manage.py's folder
      const under = norm(path.posix.join(r.base, r.path.slice(0, mgmt)));
      const name = r.path.slice(mgmt + MANAGEMENT_COMMAND.length);
      const found = ctx.files.filter((f) => f.endsWith(`/management/commands/${name}`) && (under === '' || f.startsWith(`${under}/`)));
      if (found.length > 0 || under === '') return found;
      return ctx.files.filter((f) => f.endsWith(`/management/commands/${name}`));
    }
    if (r.path.startsWith('/') && r.path.endsWith('/*')) {
      // a folder of the image (supervisord's conf.d): every project file a COPY puts in it
      const dir = r.path.slice(0, -2);
      const out: string[] = [];
      for (const c of copies) {
        if ((r.dockerfile && c.dockerfile !== r.dockerfile) || path.posix.dirname(c.dest) !== dir) continue;
        for (const src of copySources(c)) if (files.has(src)) {
          out.push(src);
          imageOf(src).add(c.dockerfile);
        }
      }
      return [...new Set(out)];
    }
    if (!r.path.startsWith('/') && /\*/.test(path.posix.basename(r.path)) && !/\*/.test(path.posix.dirname(r.path))) {
      // `files = conf.d/*.conf` (relative to the including file)
      const glob = globOf(r.path)!;
      const dir = norm(path.posix.join(r.base, path.posix.dirname(r.path)));
      return ctx.files.filter((f) => path.posix.dirname(f) === (dir || '.') && glob.test(path.posix.basename(f)));
    }
    if (!r.path.startsWith('/')) {
      for (const b of [r.base, '']) {
        const p = norm(path.posix.join(b, r.path));
        if (files.has(p)) return [p];
      }
      const inImage = [...workdirs].filter(([df]) => !r.dockerfile || df === r.dockerfile).map(([, wd]) => path.posix.join(wd, r.path));
      return [...new Set(inImage.flatMap((p) => resolveRun({ ...r, path: p })))];
    }
    {
      const out: string[] = [];
      for (const c of copies) {
        if (r.dockerfile && c.dockerfile !== r.dockerfile) continue;
        for (const src of copySources(c)) {
          const glob = globOf(src);
          if (glob) {
            // `COPY ./scripts/*.sh /app/`: /app/x.sh is scripts/x.sh when x.sh matches
            const name = r.path.slice(c.dest.replace(/\/$/, '').length + 1);
            const p = norm(path.posix.join(path.posix.dirname(src), name));
            if (r.path.startsWith(`${c.dest.replace(/\/$/, '')}/`) && !name.includes('/') && glob.test(name) && files.has(p)) {
              out.push(p);
              imageOf(p).add(c.dockerfile);
            }
            continue;
          }
          if (c.dest === r.path && files.has(src)) {
            out.push(src);
            imageOf(src).add(c.dockerfile);
          }
          else if (r.path.startsWith(`${c.dest.replace(/\/$/, '')}/`) && (dirs.has(src) || src === '')) {
            const p = norm(path.posix.join(src, r.path.slice(c.dest.replace(/\/$/, '').length + 1)));
            if (files.has(p)) {
              out.push(p);
              imageOf(p).add(c.dockerfile);
            }
          }
        }
      }
      if (out.length > 0 || copies.some((c) => c.dest === r.path)) return [...new Set(out)];
      // a host path (`/srv/app/bin/start-worker.sh` in a unit): the project file it ends with, folder included
      const suffix = ctx.files.filter((f) => f.includes('/') && r.path.endsWith(`/${f}`)).sort((a, b) => b.length - a.length)[0];
      return suffix ? [suffix] : [];
    }
  };

  placeFiles(refs, model, files, dirs, copySources);

  const launchersOf = new Map<string, Launcher[]>();
  /** `file#scope` of services/containers with an env source jobctl could not read (missing env_file, Secret) */
  const opaque = new Set<string>();
  const queue: { ref: Reference; depth: number }[] = refs.map((ref) => ({ ref, depth: 0 }));
  const readAlready = new Set(model.files.filter((f) => f.kind === 'shell').map((f) => f.file));
  while (queue.length > 0) {
    const { ref, depth } = queue.shift()!;
    if (ref.kind === 'env-file' && !(await followEnvFile(ref, model, ctx, files)) && ref.scope) opaque.add(`${ref.from.file}#${ref.scope}`);
    if (ref.kind !== 'run') continue;
    const targets = resolveRun(ref);
    if (targets.length === 0) {
      // a management command from an installed package (the deploy file's reader notes an unread worker itself)
      if (ref.path.includes(MANAGEMENT_COMMAND)) continue;
      // only when it is surely Celery (a `worker` service may run Sentry, RQ, Dramatiq …)
      if (/celery|flower/i.test(`${ref.path} ${ref.launcher.processName ?? ''}`)) {
        model.unread.push({ file: ref.from.file, loc: ref.from, what: `\`${ref.path}\`${ref.launcher.processName ? ` (run by ${ref.launcher.processName})` : ''}`, reason: 'the script is not in the project (no Dockerfile here copies it): the worker options it sets were not read' });
      }
      continue;
    }
    for (const t of targets) {
      const known = launchersOf.get(t) ?? [];
      if (!known.some((l) => l.file === ref.launcher.file && l.loc.line === ref.launcher.loc.line && l.processName === ref.launcher.processName)) known.push(ref.launcher);
      launchersOf.set(t, known);
      if (readAlready.has(t) || depth >= MAX_DEPTH) continue;
      readAlready.add(t);
      const text = model.files.find((f) => f.file === t)?.text ?? (await ctx.read(t));
      if (text === null) continue;
      if (t.endsWith('.py')) {
        // `python main.py`: the module may start the worker as a child process (./python-launcher.ts)
        let found: Awaited<ReturnType<typeof readPythonLauncher>> = [];
        try {
          found = await readPythonLauncher(t, text, model);
        } catch (err) {
          model.notes.push({ level: 'warning', file: t, message: `not read as a worker launcher (${(err as Error).message})` });
        }
        const name = ref.launcher.processName;
        if (found.length > 0 && ref.path.includes(MANAGEMENT_COMMAND)) {
          // read after all: the deploy reader's "a management command starts Celery" entry is answered
          model.unread = model.unread.filter((u) => !(u.loc?.file === ref.from.file && u.loc.line === ref.from.line && u.what.includes('manage.py')));
        }
        if (found.length === 0 && name && /celery|worker/i.test(name) && !ref.path.includes(MANAGEMENT_COMMAND)) {
          model.unread.push({ file: ref.from.file, loc: ref.from, what: `the worker of ${name} (\`python ${ref.path}\`)`, reason: `${t} starts Celery from Python code that is not a literal command line: its worker options were not read`, holds: 'deploy' });
        }
        continue;
      }
      if (/^\s*\[(?:fcgi-)?program:/m.test(text)) {
        // a supervisord config the container's supervisord runs (`supervisord -c conf/x.conf`, or copied into conf.d):
        // its programs are launched by what runs supervisord; read here when its name did not say it is one
        if (!model.files.some((f) => f.file === t)) {
          const conf: SourceFileInfo = { file: t, kind: 'other', text };
          model.files.push(conf);
          const res = (await supervisordIntegration.read(conf, model, ctx.integration)) as ReadResult | void;
          for (const next of res?.references ?? []) queue.push({ ref: next, depth: depth + 1 });
        }
        continue;
      }
      const info: SourceFileInfo = { file: t, kind: 'shell', text };
      model.files.push(info);
      const res = (await shellIntegration.read(info, model, ctx.integration)) as ReadResult | void;
      // a script that runs another script: that one is launched by the same service
      for (const next of res?.references ?? []) queue.push({ ref: next.kind === 'run' ? { ...next, launcher: ref.launcher } : next, depth: depth + 1 });
    }
  }

  // envFrom: the container gets the ConfigMap's variables (after every file is read: the map may come later);
  // a Secret, a templated name or a map not in the project makes the container's env partly unknown
  for (const r of refs) {
    if (r.kind !== 'env-from') continue;
    const provided = r.source === null ? [] : model.envAssignments.filter((x) => x.scope === r.source);
    if (provided.length === 0) opaque.add(`${r.from.file}#${r.scope}`);
    for (const a of provided) model.envAssignments.push({ ...a, scope: r.scope, scopeFile: r.from.file });
  }

  /** a script's launchers, a launching script replaced by what launches it (Dockerfile CMD → start.sh → `. prestart.sh` → `cp x.conf /etc/supervisor/`) */
  const launchersFor = (file: string, seen: Set<string> = new Set()): Launcher[] | undefined => {
    const direct = launchersOf.get(file);
    if (!direct || seen.has(file)) return direct;
    seen.add(file);
    const out: Launcher[] = [];
    for (const l of direct) {
      const outer = (l.source === 'shell' || l.include) && l.file !== file ? launchersFor(l.file, seen) : undefined;
      for (const x of outer ?? [l]) if (!out.some((o) => o.file === x.file && o.loc.line === x.loc.line && o.processName === x.processName)) out.push(x);
    }
    return out;
  };
  await markProcfilePlatforms(model.workerCommands, files, ctx.read);
  for (const w of model.workerCommands) {
    const via = launchersFor(w.file);
    if (via && !w.launchedBy) {
      w.launchedBy = via;
      if (!w.processName && via[0]!.processName) w.processName = via[0]!.processName;
    }
    const launchers = w.launchedBy ?? [{ source: w.source, file: w.file, loc: w.loc, ...(w.processName ? { processName: w.processName } : {}) }];
    const dockerfiles = w.source === 'dockerfile' ? new Set([w.file]) : (images.get(w.file) ?? new Set<string>());
    applyCommandOptions(w, lookupFor(model, w.file, launchers, dockerfiles, opaque));
  }
}

/**
 * Python files a Dockerfile puts at another project path in the image: `COPY docker/config.py /app/settings/config.py`
 * or `RUN cp docker/config.py settings/config.py`, where a folder copy (`COPY . /app`) says which project path
 * an image path is. Only onto paths the project has no file at (model.placedFiles; the Python reader imports
 * `from` under the module name of `to`).
 */
function placeFiles(refs: Reference[], model: ProjectModel, files: Set<string>, dirs: Set<string>, copySources: (c: CopyRef) => string[]): void {
  type ImageCopy = Extract<Reference, { kind: 'image-copy' }>;
  type Mount = Extract<Reference, { kind: 'mount' }>;
  const byDockerfile = new Map<string, (CopyRef | ImageCopy | Mount)[]>();
  // one image per build stage: a folder copied in a build stage says nothing about the final image's paths;
  // a compose service's bind mounts are one container's view of the project (`.:/app` + `./docker/web.py:/app/proj/settings/web_docker.py`)
  for (const r of refs) {
    if (r.kind !== 'copy' && r.kind !== 'image-copy' && r.kind !== 'mount') continue;
    const key = r.kind === 'mount' ? `${r.compose}@${r.service}` : `${r.dockerfile}#${r.stage ?? 0}`;
    byDockerfile.set(key, [...(byDockerfile.get(key) ?? []), r]);
  }
  const sourcesOf = (c: CopyRef | Mount): string[] => c.kind === 'mount' ? [c.src].filter((p) => p === '' || files.has(p) || dirs.has(p)) : copySources(c);
  for (const list of byDockerfile.values()) {
    // image folder -> project folder, from copies of whole folders (the longest image folder wins)
    const roots: [string, string][] = [];
    for (const c of list) {
      if (c.kind === 'image-copy') continue;
      // (a subfolder copied onto the image's / — `COPY ./requirements .` before any WORKDIR — is no project root)
      for (const src of sourcesOf(c)) if (src === '' || (dirs.has(src) && c.dest.replace(/\/$/, '') !== '')) roots.push([c.dest.replace(/\/$/, '') || '/', src]);
    }
    roots.sort((a, b) => b[0].length - a[0].length);
    const toProject = (image: string): string | null => {
      for (const [dir, proj] of roots) {
        const rest = image === dir ? '' : dir === '/' ? image.slice(1) : image.startsWith(`${dir}/`) ? image.slice(dir.length + 1) : null;
        if (rest !== null) return norm(path.posix.join(proj, rest));
      }
      return null;
    };
    const place = (from: string, toImage: string, loc: Location): void => {
      let to = toProject(toImage);
      if (to !== null && dirs.has(to)) to = norm(path.posix.join(to, path.posix.basename(from)));
      if (to === null || to === '' || to === from || files.has(to) || !files.has(from)) return;
      // Python modules put into a folder of the project (a settings package): what the Python reader imports
      const folder = path.posix.dirname(to);
      if (!from.endsWith('.py') || !to.endsWith('.py') || (folder !== '.' && !dirs.has(folder))) return;
      if (!(model.placedFiles ??= []).some((p) => p.from === from && p.to === to)) model.placedFiles.push({ from, to, loc });
    };
    for (const c of list) {
      if (c.kind !== 'image-copy') for (const src of sourcesOf(c)) place(src, c.dest, c.from);
      else {
        const from = toProject(c.src);
        if (from !== null) place(from, c.dest, c.from);
      }
    }
  }
}

/** read an env file a service loads; false when it is not in the project (its values stay unknown) */
async function followEnvFile(ref: EnvRef, model: ProjectModel, ctx: FollowContext, files: Set<string>): Promise<boolean> {
  const p = norm(path.posix.join(ref.base, ref.path));
  if (!files.has(p)) return ref.optional === true; // often git-ignored; `required: false` may simply be absent
  let env = model.envFiles.find((e) => e.file === p);
  if (!env) {
    const text = await ctx.read(p);
    if (text === null) return false;
    model.files.push({ file: p, kind: 'env', text });
    env = readEnvFile({ file: p, kind: 'env', text }, model, ctx.integration, false);
  }
  for (const v of env.vars) {
    model.envAssignments.push({ key: v.key, value: v.value, file: p, loc: v.loc, source: ref.source, ...(ref.scope ? { scope: ref.scope, scopeFile: ref.from.file } : {}) });
  }
  return true;
}

/**
 * Where a command's variables come from: the script's own assignments first, then the env every
 * launcher gives it (its compose service, k8s container, unit). A variable one launcher leaves unset
 * is unknown: it may come from an env file outside the project or the host.
 */
function lookupFor(model: ProjectModel, file: string, launchers: Launcher[], dockerfiles: Set<string>, opaque: Set<string>): VarLookup {
  const local = (name: string): string[] => model.envAssignments.filter((a) => a.source === 'shell' && a.scope === file && a.key === name).map((a) => a.value);
  const image = (name: string): string[] => model.envAssignments.filter((a) => a.source === 'dockerfile' && dockerfiles.has(a.file) && a.key === name).map((a) => a.value);
  const fromLauncher = (l: Launcher, name: string): string[] => {
    // the same service name in two compose files is two services: match the file that defines it too
    const own = l.processName === undefined ? [] : model.envAssignments.filter((a: EnvAssignment) => a.scope === l.processName && (a.scopeFile ?? a.file) === l.file && a.source !== 'shell' && a.key === name).map((a) => a.value);
    if (own.length > 0) return own;
    // an unreadable env source of this service may set it, over the image's ENV
    return opaque.has(`${l.file}#${l.processName}`) ? [] : image(name);
  };
  return (name, outer) => {
    if (!outer) {
      const mine = local(name);
      if (mine.length > 0) return mine;
    }
    const all: string[] = [];
    for (const l of launchers) {
      const vals = fromLauncher(l, name);
      if (vals.length === 0) return null;
      all.push(...vals);
    }
    return all.length > 0 ? all : null;
  };
}

function norm(p: string): string {
  const n = path.posix.normalize(p).replace(/^\.\//, '').replace(/\/$/, '');
  return n === '.' ? '' : n;
}

/** the last part of a COPY source as a regex when it is a glob (`*.sh`), else null */
function globOf(src: string): RegExp | null {
  const base = path.posix.basename(src);
  if (!/[*?[]/.test(base)) return null;
  return new RegExp(`^${base.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
}
