// docker-compose*.yml / compose*.yaml, read with the `yaml` package (positions kept, `<<: *anchor`
// merges and `x-*` extension blocks followed everywhere): services with image, command/entrypoint
// (→ WorkerCommand), environment, env_file, build, ports, stop_grace_period and healthcheck. A command
// that runs a script (`/start-celeryworker`), the env files and the Dockerfile it is built from are
// returned as references for the core to follow.
import path from 'node:path';
import { parseDocument, isMap, isSeq, isScalar, LineCounter, type Node, type Document, type YAMLMap } from 'yaml';
import { quote, parse as shellParse } from 'shell-quote';
import type { ComposeService, DeployFacts, EnvVar, Launcher, Location } from '../types.js';
import type { Integration, Reference } from './types.js';
import { basename } from './text.js';
import { noteIndirectWorker, parseCeleryInvocations, scriptsRun } from './celery-command.js';
import { templateView, unreadTemplated } from './template.js';
import { deref, getMerged, locateInvocations, locOf, mergedEntries } from './yaml-util.js';

export function isComposeFile(rel: string): boolean {
  return /^(docker-)?compose([.-][\w.-]+)?\.ya?ml$/i.test(basename(rel));
}

/** command/entrypoint as one shell string: exec-form lists are re-quoted so the parser sees the same words */
export function commandText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) return quote(value.map(String));
  return null;
}

/**
 * `command: "\"celery -A proj worker\""` (or `["celery -A proj worker"]`): compose splits it into ONE word, which
 * only runs when the image's ENTRYPOINT is a shell's `-c` (`ENTRYPOINT ["/bin/bash", "-c"]`): that word is its script
 */
function loneScript(text: string | null): string | null {
  if (text === null) return null;
  let words: unknown[];
  try {
    words = shellParse(text, (k: string) => `\${${k}}`);
  } catch {
    return text;
  }
  return words.length === 1 && typeof words[0] === 'string' && /\s/.test(words[0].trim()) ? words[0].trim() : text;
}

/** compose durations: `10s`, `1m30s`, `2h`, `500ms` → seconds */
export function durationSeconds(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string' || !/^(\d+(\.\d+)?(h|m|s|ms|us))+$/.test(v.trim())) return undefined;
  let s = 0;
  for (const m of v.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us)/g)) s += Number(m[1]) * ({ h: 3600, m: 60, s: 1, ms: 0.001, us: 0.000001 } as Record<string, number>)[m[2]!]!;
  return s;
}

/** `docker compose` with no -f reads the override file over the base one in the same folder */
const OVERRIDE = /^(docker-)?compose\.override\.ya?ml$/i;
const BASES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

/** what an override file's service inherits from the base file's service of the same name */
interface BaseService {
  file: string;
  build: { dockerfile: string; context: string } | null;
  environment: EnvVar[];
  envFiles: Reference[];
}

export const composeIntegration: Integration = {
  id: 'compose',
  kind: 'compose',
  matches: isComposeFile,
  inputs(rel, exists) {
    // the override file, and any other compose file of the folder (`-f docker-compose.yml -f docker-compose.prod.yml`):
    // a service of it with neither image nor build cannot run alone, so it is merged over the base's
    if (BASES.includes(basename(rel))) return [];
    const dir = path.posix.dirname(rel) === '.' ? '' : `${path.posix.dirname(rel)}/`;
    const base = BASES.map((b) => `${dir}${b}`).find(exists);
    return base ? [base] : [];
  },
  read(file, model, ctx) {
    const baseFile = ctx.inputs ? [...ctx.inputs.keys()][0] : undefined;
    const bases = baseFile ? baseServices(baseFile, ctx.inputs!.get(baseFile)!) : new Map<string, BaseService>();
    const view = templateView(file);
    const lc = new LineCounter();
    let doc: Document;
    try {
      doc = parseDocument(view.text, { lineCounter: lc, merge: true, prettyErrors: false, uniqueKeys: false });
    } catch (err) {
      model.notes.push({ level: 'warning', file: file.file, message: `not valid YAML (${(err as Error).message.split('\n')[0]})` });
      return;
    }
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      const line = e.linePos?.[0]?.line;
      if (view.templated) model.unread.push({ file: file.file, ...(line ? { loc: { file: file.file, line, column: 1 } } : {}), what: 'this compose file', reason: 'a template (Jinja/cookiecutter) that is not valid YAML once its tags are blanked' });
      else model.notes.push({ level: 'warning', file: file.file, message: `not valid YAML${line ? ` at line ${line}` : ''} (${e.code}); fix it so docker compose (and jobctl) can read it` });
      return;
    }
    const services = deref(doc, doc.get('services', true) as Node | undefined);
    if (!isMap(services)) return;
    const references: Reference[] = [];
    const dir = path.posix.dirname(file.file) === '.' ? '' : path.posix.dirname(file.file);
    for (const [name, svcRaw] of mergedEntries(doc, services)) {
      const svcNode = deref(doc, svcRaw);
      if (!isMap(svcNode)) continue;
      const keyNode = (services.items as { key: Node }[]).find((p) => isScalar(p.key) && p.key.value === name)?.key;
      const svcLoc = locOf(file.file, lc, keyNode, { file: file.file, line: 1, column: 1 });
      try {
        svcNode.toJS(doc, { maxAliasCount: 1000 });
      } catch (err) {
        // e.g. a YAML alias bomb ("Excessive alias count"): this service was not read
        const why = (err as Error).message.split('\n')[0] ?? 'not valid YAML';
        model.notes.push({ level: 'warning', file: file.file, message: `service ${name} not read: ${why}` });
        model.unread.push({ file: file.file, loc: svcLoc, what: `compose service ${name}`, reason: why });
        continue;
      }
      const get = (key: string): Node | undefined => deref(doc, getMerged(doc, svcNode, key));
      const js = (n: Node | undefined): unknown => {
        try {
          return n?.toJS(doc, { maxAliasCount: 1000 });
        } catch {
          return undefined;
        }
      };
      const at = (n: Node | undefined): Location => locOf(file.file, lc, n, svcLoc);

      const environment = readEnvironment(doc, get('environment'), at);
      for (const v of environment) model.envAssignments.push({ key: v.key, value: v.value, file: file.file, loc: v.loc, source: 'compose', scope: name });
      references.push(...envFileRefs(get('env_file'), dir, name, at));
      const isOverride = OVERRIDE.test(basename(file.file)) || (['image', 'build', 'extends'].every((k) => getMerged(doc, svcNode, k) === undefined));
      const base = isOverride ? bases.get(name) : undefined;
      if (base) {
        // merged as compose merges: environment by key (the override's value wins for the override's commands;
        // the base's commands run with either file set, so they see both values), env_file lists appended
        for (const v of base.environment) if (!environment.some((o) => o.key === v.key)) model.envAssignments.push({ key: v.key, value: v.value, file: base.file, loc: v.loc, source: 'compose', scope: name, scopeFile: file.file });
        // (a `-f` layer is not applied by default: its keys the base does not set are unset in a base-only run, so unknown there)
        const auto = OVERRIDE.test(basename(file.file));
        for (const v of environment) if (auto || base.environment.some((b) => b.key === v.key)) model.envAssignments.push({ key: v.key, value: v.value, file: file.file, loc: v.loc, source: 'compose', scope: name, scopeFile: base.file });
        for (const r of base.envFiles) references.push({ ...r, from: { ...svcLoc } });
      }

      const dockerfile = buildRef(js(get('build')), dir) ?? base?.build ?? null;
      if (dockerfile) references.push({ kind: 'build', dockerfile: dockerfile.dockerfile, context: dockerfile.context, service: name, from: at(get('build')) });

      references.push(...mountRefs(js(get('volumes')), dir, file.file, name, at(get('volumes'))));
      const ports = readPorts(doc, get('ports'), at);
      const commandNode = get('command');
      const entrypointNode = get('entrypoint');
      const command = loneScript(commandText(js(commandNode)));
      const entrypoint = commandText(js(entrypointNode));
      const image = js(get('image'));
      model.composeServices.push({ name, file: file.file, loc: svcLoc, image: typeof image === 'string' ? image : null, command: command ?? entrypoint, environment, ports });
      if (typeof image === 'string' && image && !isTemplated(view.unknownLines, at(get('image')).line, get('image'), lc)) (model.images ??= []).push({ image, source: 'compose', file: file.file, loc: at(get('image')), name });

      const deploy = deployFacts(js(get('stop_grace_period')), js(get('healthcheck')), at(get('healthcheck')));
      const launcher = (n: Node | undefined): Launcher => ({ source: 'compose', file: file.file, loc: at(n), processName: name });
      for (const [text, node] of [[entrypoint, entrypointNode], [command, commandNode]] as const) {
        if (!text) continue;
        if (isTemplated(view.unknownLines, at(node).line, node, lc)) {
          if (/celery/.test(text)) unreadTemplated(model, file.file, at(node).line, `the command of service ${name}`);
          continue;
        }
        for (const p of scriptsRun(text)) references.push({ kind: 'run', path: p, base: dir, from: at(node), launcher: launcher(node), ...(dockerfile ? { dockerfile: dockerfile.dockerfile } : {}) });
      }
      const templated = (n: Node | undefined): boolean => isTemplated(view.unknownLines, at(n).line, n, lc);
      const fromCommand = command && !templated(commandNode) ? parseCeleryInvocations(command, { source: 'compose', file: file.file, loc: at(commandNode), processName: name }) : [];
      const fromEntrypoint = entrypoint && !templated(entrypointNode) ? parseCeleryInvocations(entrypoint, { source: 'compose', file: file.file, loc: at(entrypointNode), processName: name }) : [];
      locateInvocations(fromCommand, view.text, lc, [commandNode]);
      locateInvocations(fromEntrypoint, view.text, lc, [entrypointNode]);
      const found = fromEntrypoint.length === 1 && fromEntrypoint[0]!.subcommand === null && command
        // entrypoint: celery, command: -A proj worker → one invocation
        ? parseCeleryInvocations(`${entrypoint} ${command}`, { source: 'compose', file: file.file, loc: fromEntrypoint[0]!.loc, processName: name })
        : [...fromEntrypoint, ...fromCommand];
      for (const w of found) if (deploy) w.deploy = deploy;
      if (found.length === 0 && (command ?? entrypoint)) noteIndirectWorker(model, (command ?? entrypoint)!, name, at(commandNode ?? entrypointNode));
      model.workerCommands.push(...found);
    }
    return { references };
  },
};

/** the services of the base compose file an override file is merged over */
function baseServices(file: string, text: string): Map<string, BaseService> {
  const out = new Map<string, BaseService>();
  const lc = new LineCounter();
  const doc = parseDocument(templateView({ file, kind: 'compose', text }).text, { lineCounter: lc, merge: true, prettyErrors: false, uniqueKeys: false });
  if (doc.errors.length > 0) return out;
  const services = deref(doc, doc.get('services', true) as Node | undefined);
  if (!isMap(services)) return out;
  const dir = path.posix.dirname(file) === '.' ? '' : path.posix.dirname(file);
  for (const [name, raw] of mergedEntries(doc, services)) {
    const svc = deref(doc, raw);
    if (!isMap(svc)) continue;
    const get = (key: string): Node | undefined => deref(doc, getMerged(doc, svc, key));
    const at = (n: Node | undefined): Location => locOf(file, lc, n, { file, line: 1, column: 1 });
    let build: unknown;
    try {
      build = get('build')?.toJS(doc, { maxAliasCount: 1000 });
    } catch {
      build = undefined;
    }
    out.set(name, { file, build: buildRef(build, dir), environment: readEnvironment(doc, get('environment'), at), envFiles: envFileRefs(get('env_file'), dir, name, at) });
  }
  return out;
}

/** a node spans template-dependent lines */
function isTemplated(unknown: Set<number>, line: number, node: Node | undefined, lc: LineCounter): boolean {
  if (unknown.size === 0) return false;
  const end = node?.range?.[1];
  const last = end === undefined ? line : lc.linePos(end).line;
  for (let l = line; l <= last; l++) if (unknown.has(l)) return true;
  return false;
}

function readEnvironment(doc: Document, envNode: Node | undefined, at: (n: Node | undefined) => Location): EnvVar[] {
  const out: EnvVar[] = [];
  if (isMap(envNode)) {
    for (const [key, vRaw] of mergedEntries(doc, envNode as YAMLMap)) {
      const v = deref(doc, vRaw);
      const value = isScalar(v) ? v.value : null;
      const keyNode = (envNode.items as { key: Node; value: Node }[]).find((p) => isScalar(p.key) && p.key.value === key)?.key;
      out.push({ key, value: value === null || value === undefined ? '' : String(value), loc: at(keyNode ?? v) });
    }
  } else if (isSeq(envNode)) {
    for (const raw of envNode.items as Node[]) {
      const item = deref(doc, raw);
      if (!isScalar(item)) continue;
      const s = String(item.value);
      const eq = s.indexOf('=');
      out.push({ key: eq >= 0 ? s.slice(0, eq) : s, value: eq >= 0 ? s.slice(eq + 1) : '', loc: at(item) });
    }
  }
  return out;
}

/** env_file: `a.env`, `[a.env, b.env]`, `[{path: a.env, required: false}]`, relative to the compose file */
function envFileRefs(node: Node | undefined, dir: string, service: string, at: (n: Node | undefined) => Location): Reference[] {
  const items = isSeq(node) ? (node.items as Node[]) : node ? [node] : [];
  const out: Reference[] = [];
  for (const item of items) {
    let p: unknown;
    let optional = false;
    if (isScalar(item)) p = item.value;
    else if (isMap(item)) {
      p = (item.get('path') as unknown) ?? null;
      optional = item.get('required') === false;
    }
    if (typeof p !== 'string' || p.includes('$')) continue;
    out.push({ kind: 'env-file', path: p, base: dir, from: at(item), source: 'compose', scope: service, optional });
  }
  return out;
}

function buildRef(build: unknown, dir: string): { dockerfile: string; context: string } | null {
  let context: string | undefined;
  let dockerfile = 'Dockerfile';
  if (typeof build === 'string') context = build;
  else if (build && typeof build === 'object') {
    const b = build as { context?: unknown; dockerfile?: unknown };
    context = typeof b.context === 'string' ? b.context : '.';
    if (typeof b.dockerfile === 'string') dockerfile = b.dockerfile;
  }
  // a Dockerfile chosen by a variable (`Dockerfile.django-${OS:-debian}`) may be any of them: no restriction
  if (context === undefined || /^(https?:|git@)/.test(context) || /\$/.test(context) || /\$/.test(dockerfile)) return null;
  const ctx = path.posix.normalize(path.posix.join(dir, context)).replace(/^\.$/, '').replace(/\/$/, '');
  return { context: ctx, dockerfile: path.posix.normalize(path.posix.join(ctx, dockerfile)).replace(/^\.\//, '') };
}

function readPorts(doc: Document, portsNode: Node | undefined, at: (n: Node | undefined) => Location): ComposeService['ports'] {
  const ports: ComposeService['ports'] = [];
  if (!isSeq(portsNode)) return ports;
  for (const item of portsNode.items as Node[]) {
    if (isScalar(item)) ports.push({ value: String(item.value), loc: at(item) });
    else if (isMap(item)) {
      const p = item.toJS(doc) as { target?: unknown; published?: unknown; host_ip?: unknown };
      if (p.published === undefined) continue; // not published on the host
      ports.push({ value: `${p.host_ip ? `${String(p.host_ip)}:` : ''}${String(p.published)}:${String(p.target)}`, loc: at(item) });
    }
  }
  return ports;
}

function deployFacts(grace: unknown, healthcheck: unknown, hcLoc: Location): DeployFacts | undefined {
  const out: DeployFacts = {};
  const g = durationSeconds(grace);
  if (g !== undefined) out.gracePeriodSeconds = g;
  if (healthcheck && typeof healthcheck === 'object') {
    const h = healthcheck as { test?: unknown; disable?: unknown };
    const test = Array.isArray(h.test) ? h.test.map(String) : typeof h.test === 'string' ? ['CMD-SHELL', h.test] : null;
    if (h.disable === true || test?.[0] === 'NONE') out.livenessProbe = { kind: 'none', command: '', loc: hcLoc };
    else if (test) out.livenessProbe = { kind: 'exec', command: test[0] === 'CMD-SHELL' ? test.slice(1).join(' ') : quote(test.slice(1)), loc: hcLoc };
  }
  return Object.keys(out).length > 0 ? out : undefined;
}


/**
 * Bind mounts of project paths (`./x:/app/x`, `${PWD}/x:/app/x`, `.:/app`, long syntax `type: bind`), relative to the
 * compose file's folder (`$PWD` is where `docker compose` runs: the compose file's folder in the usual layout). Named
 * volumes, absolute host paths and paths built from other variables say nothing about project files.
 */
function mountRefs(volumes: unknown, dir: string, file: string, service: string, loc: Location): Reference[] {
  if (!Array.isArray(volumes)) return [];
  const out: Reference[] = [];
  for (const v of volumes) {
    let src: string | undefined;
    let dest: string | undefined;
    if (typeof v === 'string') {
      const m = /^((?:\$\{PWD\}|\$PWD|\.{1,2})(?:\/[^:]*)?):(\/[^:]*)(?::[a-z,]+)?$/.exec(v.trim());
      if (m) [src, dest] = [m[1], m[2]];
    } else if (v && typeof v === 'object' && (v as { type?: unknown }).type === 'bind') {
      const o = v as { source?: unknown; target?: unknown };
      if (typeof o.source === 'string' && typeof o.target === 'string' && /^(\$\{PWD\}|\$PWD|\.{1,2})(\/|$)/.test(o.source) && o.target.startsWith('/')) [src, dest] = [o.source, o.target];
    }
    if (src === undefined || dest === undefined) continue;
    const rel = path.posix.normalize(path.posix.join(dir, src.replace(/^(\$\{PWD\}|\$PWD)/, '.'))).replace(/\/$/, '');
    if (rel.startsWith('..')) continue;
    out.push({ kind: 'mount', src: rel === '.' ? '' : rel, dest: dest.replace(/\/$/, '') || '/', compose: file, service, from: loc });
  }
  return out;
}
