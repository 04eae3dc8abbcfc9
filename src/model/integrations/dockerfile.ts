// Dockerfile / Containerfile: `FROM python:X` gives the Python version (ARG defaults substituted),
// CMD / ENTRYPOINT (exec JSON form or shell form) give the commands the container runs.
import { quote } from 'shell-quote';
import type { Integration } from './types.js';
import { basename, logicalLines, loc } from './text.js';
import { parseCeleryInvocations } from './celery-command.js';

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

export const dockerfileIntegration: Integration = {
  id: 'dockerfile',
  kind: 'dockerfile',
  matches: isDockerfile,
  read(file, model) {
    const args = new Map<string, string>();
    let entrypoint: { text: string; line: number } | null = null;
    for (const ll of logicalLines(file.text)) {
      const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(ll.text);
      if (!m || ll.text.trim().startsWith('#')) continue;
      const instr = m[1]!.toUpperCase();
      const rest = m[2]!;
      if (instr === 'ARG') {
        const a = /^([A-Za-z_]\w*)=("?)([^"\s]*)\2/.exec(rest.trim());
        if (a) args.set(a[1]!, a[3]!);
      } else if (instr === 'FROM') {
        const image = rest.split(/\s+/).filter((w) => !w.startsWith('--'))[0] ?? '';
        const resolved = image.replace(/\$\{?(\w+)(?::-[^}]*)?\}?/g, (_, n: string) => args.get(n) ?? '');
        const im = /^(?:(?:docker\.io\/)?(?:library\/)?)python:(\d+\.\d+(?:\.\d+)?)/.exec(resolved);
        if (im) model.pythonVersions.push({ value: im[1]!, exact: true, file: file.file, loc: loc(file.file, ll.line), source: 'dockerfile' });
        entrypoint = null; // a new stage
      } else if (instr === 'ENTRYPOINT' || instr === 'CMD') {
        const text = instructionCommand(rest);
        const at = loc(file.file, ll.line);
        if (instr === 'ENTRYPOINT') entrypoint = { text, line: ll.line };
        const found = parseCeleryInvocations(text, { source: 'dockerfile', file: file.file, loc: at });
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
  },
};
