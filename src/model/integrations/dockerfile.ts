// Dockerfile / Containerfile: `FROM python:X` gives the Python version (ARG defaults substituted),
// CMD / ENTRYPOINT (exec JSON form or shell form) give the commands the container runs, ENV the
// variables it sets. COPY/ADD say where project files land in the image, and a CMD/ENTRYPOINT that
// runs a script points at it: both are returned as references for the core to follow.
import path from 'node:path';
import { quote, parse as shellParse } from 'shell-quote';
import type { Integration, Reference } from './types.js';
import { basename, locateInvocationLines, logicalLines, loc, type LogicalLine } from './text.js';
import { parseCeleryInvocations, scriptsRun } from './celery-command.js';
import { templateView } from './template.js';

export function isDockerfile(rel: string): boolean {
  const name = basename(rel);
  return /^(Dockerfile|Containerfile)([.-][\w.-]+)?$/i.test(name) || /\.(dockerfile|containerfile)$/i.test(name);
}

/** exec form `["celery", "-A", "proj"]` → a shell string with the same words; else the text as is */
function instructionCommand(args: string): string {
  const t = args.trim();
  if (t.startsWith('[')) {
    try {
      const arr = JSON.parse(t) as unknown;
      if (Array.isArray(arr) && arr.every((x) => typeof x === 'string')) return quote(arr as string[]);
    } catch { /* not valid JSON: Docker runs it with /bin/sh -c as written */ }
  }
  return t;
}

/**
 * A Dockerfile's instructions as Docker reads them: continuations joined (comment lines inside one dropped),
 * comment and blank lines left out, each with the line it starts on. The one reader of Dockerfile lines: the
 * integration below, and the rules and verify steps that look at a Dockerfile's RUN/COPY lines.
 */
export function dockerfileInstructions(text: string): LogicalLine[] {
  return logicalLines(dropContinuedComments(text))
    .map((ll) => ({ line: ll.line, endLine: ll.endLine, text: ll.text.trim() }))
    .filter((ll) => ll.text !== '' && !ll.text.startsWith('#'));
}

/** Docker drops comment lines inside a `\` continuation; keep the line count by leaving a lone `\` */
function dropContinuedComments(text: string): string {
  const lines = text.split(/\r?\n/);
  let continued = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (continued && /^\s*(#.*)?$/.test(l)) {
      lines[i] = '\\';
      continue;
    }
    continued = /\\\s*$/.test(l) && !/^\s*#/.test(l);
  }
  return lines.join('\n');
}

/** `KEY=value KEY2="v w"` (or the legacy `KEY value`) */
function envPairs(rest: string): [string, string][] {
  const t = rest.trim();
  const legacy = /^([A-Za-z_]\w*)\s+([^=].*)$/.exec(t);
  if (legacy && !/^[A-Za-z_]\w*=/.test(t)) return [[legacy[1]!, legacy[2]!.trim()]];
  const out: [string, string][] = [];
  for (const m of t.matchAll(/([A-Za-z_]\w*)=("([^"]*)"|'([^']*)'|(\S*))/g)) out.push([m[1]!, m[3] ?? m[4] ?? m[5] ?? '']);
  return out;
}

/** COPY/ADD sources and destination, options (`--chown`, `--from`) removed */
function copyArgs(rest: string): { from: boolean; srcs: string[]; dest: string } | null {
  let words: string[];
  const t = rest.trim();
  const opts = t.match(/^(?:--\S+\s+)*/)![0];
  const body = t.slice(opts.length);
  if (body.startsWith('[')) {
    try {
      words = JSON.parse(body) as string[];
    } catch {
      return null;
    }
  } else words = body.split(/\s+/).filter(Boolean);
  if (words.length < 2) return null;
  return { from: /--from=/.test(opts), srcs: words.slice(0, -1), dest: words[words.length - 1]! };
}

/** `cp [-f] a b` / `mv a b` commands of a RUN line (literal paths only; a destination folder gets the file's name) */
function runCopies(rest: string): [string, string][] {
  let tokens: unknown[];
  try {
    tokens = shellParse(rest, (k: string) => `\${${k}}`);
  } catch {
    return [];
  }
  const out: [string, string][] = [];
  let words: string[] = [];
  const flush = (): void => {
    const w = words[0] === 'sudo' ? words.slice(1) : words;
    if ((w[0] === 'cp' || w[0] === 'mv') && !w.includes('-t') && !w.some((x) => x.startsWith('--target-directory'))) {
      const args = w.slice(1).filter((x) => !x.startsWith('-'));
      if (args.length === 2 && args.every((a) => !/[$*?[\]{}]/.test(a))) out.push([args[0]!, args[1]!.endsWith('/') ? `${args[1]}${basename(args[0]!)}` : args[1]!]);
    }
    words = [];
  };
  for (const t of tokens) {
    if (typeof t === 'string') words.push(t);
    else if (t && typeof t === 'object' && 'pattern' in t) words.push(String((t as { pattern: unknown }).pattern));
    else if (t && typeof t === 'object' && 'op' in t) flush();
    else if (t && typeof t === 'object' && 'comment' in t) break;
  }
  flush();
  return out;
}

export const dockerfileIntegration: Integration = {
  id: 'dockerfile',
  kind: 'dockerfile',
  matches: isDockerfile,
  read(file, model) {
    const view = templateView(file);
    // ARG defaults and ENV values, for `$APP_HOME` in WORKDIR/COPY and `${PY}` in FROM
    const vars = new Map<string, string>();
    const subst = (t: string): string | null => {
      let unknown = false;
      const out = t.replace(/\$\{?(\w+)(?::-([^}]*))?\}?/g, (_, n: string, d?: string) => vars.get(n) ?? d ?? ((unknown = true), ''));
      return unknown ? null : out;
    };
    const references: Reference[] = [];
    let workdir = '/';
    let stage = -1;
    let entrypoint: { text: string; line: number } | null = null;
    for (const ll of dockerfileInstructions(view.text)) {
      const m = /^([A-Za-z]+)\s+(.*)$/.exec(ll.text);
      if (!m) continue;
      const instr = m[1]!.toUpperCase();
      const rest = m[2]!;
      const at = loc(file.file, ll.line);
      if (instr === 'ARG') {
        const a = /^([A-Za-z_]\w*)=("?)([^"\s]*)\2/.exec(rest.trim());
        if (a) vars.set(a[1]!, a[3]!);
      } else if (instr === 'FROM') {
        const image = rest.split(/\s+/).filter((w) => !w.startsWith('--'))[0] ?? '';
        const resolved = image.replace(/\$\{?(\w+)(?::-[^}]*)?\}?/g, (_, n: string) => vars.get(n) ?? '');
        const im = /^(?:(?:docker\.io\/)?(?:library\/)?)python:(\d+\.\d+(?:\.\d+)?)/.exec(resolved);
        if (im) model.pythonVersions.push({ value: im[1]!, exact: true, file: file.file, loc: at, source: 'dockerfile' });
        // a server image the project builds on (`FROM rabbitmq:4.3-management` + plugins): an image fact like compose's;
        // an ARG without a default stays written as `$X` (unknown), never resolved to an empty tag
        const allKnown = [...image.matchAll(/\$\{?(\w+)/g)].every((v) => vars.has(v[1]!));
        if (/(^|\/)(rabbitmq|redis)(:|@|$)/i.test(resolved)) (model.images ??= []).push({ image: allKnown ? resolved : image, source: 'dockerfile', file: file.file, loc: at });
        entrypoint = null; // a new stage
        workdir = '/';
        stage++;
      } else if (instr === 'WORKDIR') {
        const dir = subst(rest.trim().replace(/^["']|["']$/g, ''));
        if (dir !== null) {
          workdir = path.posix.resolve(workdir, dir);
          references.push({ kind: 'workdir', dockerfile: file.file, path: workdir, from: at });
        }
      } else if (instr === 'ENV') {
        if (view.unknownLines.has(ll.line)) continue;
        for (const [key, value] of envPairs(rest)) {
          vars.set(key, value);
          model.envAssignments.push({ key, value, file: file.file, loc: at, source: 'dockerfile' });
        }
      } else if (instr === 'COPY' || instr === 'ADD') {
        const c = copyArgs(rest);
        const destText = c && !c.from ? subst(c.dest) : null;
        if (!c || destText === null) continue;
        const dest = path.posix.resolve(workdir, destText);
        const destIsDir = c.dest.endsWith('/') || c.srcs.length > 1;
        for (const src of c.srcs) {
          if (/^(https?:|git@)/.test(src) || /\$/.test(src) || /[*?[]/.test(path.posix.dirname(src))) continue;
          references.push({ kind: 'copy', src, dest, dockerfile: file.file, from: at, stage });
          if (destIsDir && basename(src) !== '.') references.push({ kind: 'copy', src, dest: path.posix.join(dest, basename(src)), dockerfile: file.file, from: at, stage });
        }
      } else if (instr === 'RUN') {
        if (view.unknownLines.has(ll.line)) continue;
        for (const [src, dest] of runCopies(rest)) {
          references.push({ kind: 'image-copy', src: path.posix.resolve(workdir, src), dest: path.posix.resolve(workdir, dest), dockerfile: file.file, from: at, stage });
        }
      } else if (instr === 'ENTRYPOINT' || instr === 'CMD') {
        if (view.unknownLines.has(ll.line)) continue;
        const text = instructionCommand(rest);
        if (instr === 'ENTRYPOINT') entrypoint = { text, line: ll.line };
        for (const p of scriptsRun(text)) {
          references.push({ kind: 'run', path: p, base: '', from: at, dockerfile: file.file, launcher: { source: 'dockerfile', file: file.file, loc: at } });
        }
        const found = parseCeleryInvocations(text, { source: 'dockerfile', file: file.file, loc: at });
        locateInvocationLines(found, view.text, ll.endLine);
        if (instr === 'CMD' && entrypoint && found.length === 0) {
          // ENTRYPOINT ["celery"] + CMD ["-A", "proj", "worker"]
          const combined = parseCeleryInvocations(`${entrypoint.text} ${text}`, { source: 'dockerfile', file: file.file, loc: loc(file.file, entrypoint.line) });
          if (combined.some((w) => w.subcommand !== null)) {
            model.workerCommands.push(...combined);
            continue;
          }
        }
        // a bare `ENTRYPOINT ["celery"]` says nothing until a CMD gives it a sub-command
        model.workerCommands.push(...(instr === 'ENTRYPOINT' ? found.filter((w) => w.subcommand !== null) : found));
      }
    }
    return { references };
  },
};
