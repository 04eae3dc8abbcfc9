// Installs where pip does not add what Celery requires by itself, so every Requires-Dist of the target Celery
// (and of the kombu it brings) must be in the installed file:
//   - `pip install --no-deps -r requirements.txt` (vendored installs, some Docker builds): pip installs exactly the list;
//   - hash-checking mode (`--require-hashes`, or any `--hash=` in the file): pip refuses a dependency the file does
//     not list with its hashes ("Hashes are required in --require-hashes mode, but they are missing from some
//     requirements").
// A file a tool regenerates (pip-compile --generate-hashes) gets the new requirements from the tool -- except those
// whose environment marker is true on the Python the image runs and false on the Python the file was compiled
// with (its header): pip-compile evaluates markers where it runs (treeherder: compiled on 3.8, installed on 3.7,
// kombu 5.2's `cached-property; python_version < "3.8"` missing).
import type { ProjectModel } from '../model/types.js';
import type { LoadedKnowledge, ReleaseFacts } from '../knowledge/index.js';
import type { ManualEdit } from './types.js';
import { safeSatisfies } from '../rules/lib/versions.js';
import { generatorOf, includedFiles } from './generated.js';

/** Does the requirement's python_version marker hold on `python`? (no marker: yes) */
function applies(spec: string, python: string | null): boolean {
  const marker = /python_version\s*(<=?|>=?|==|!=)\s*["'](\d+\.\d+)["']/.exec(spec);
  if (!marker) return true;
  const [maj, min] = (python ?? '3.11').split('.').map(Number) as [number, number];
  const [tmaj, tmin] = marker[2]!.split('.').map(Number) as [number, number];
  const c = maj !== tmaj ? maj - tmaj : min - tmin;
  return { '<': c < 0, '<=': c <= 0, '>': c > 0, '>=': c >= 0, '==': c === 0, '!=': c !== 0 }[marker[1] as '<'] ?? true;
}

/** The Python the install runs on: the FROM python:X of the Dockerfile holding the command, else the project's lowest. */
function runtimePython(model: ProjectModel, file: string, fallback: string | null): string | null {
  const fact = model.pythonVersions.find((p) => p.file === file && p.exact);
  const m = fact ? /^(\d+\.\d+)/.exec(fact.value) : null;
  return m ? m[1]! : fallback;
}

/** The input file of a pip-compile / uv command (`requirements/prod.in`), when it names one. */
function compiledFrom(command: string | null | undefined): string | null {
  if (!command) return null;
  const words = command.split(/\s+/).filter((w) => !w.startsWith('-') && !w.startsWith("'"));
  return words.reverse().find((w) => /\.(in|txt|toml|cfg|py)$/.test(w) && !/^--output-file/.test(w)) ?? null;
}

export function noDepsInstalls(model: ProjectModel, k: LoadedKnowledge, to: ReleaseFacts, python: string | null): ManualEdit[] {
  const out: ManualEdit[] = [];
  const textOf = new Map(model.files.map((f) => [f.file, f.text]));
  for (const f of model.files) {
    f.text.split(/\r?\n/).forEach((line, i) => {
      if (!/\bpip3?\s+install\b/.test(line)) return;
      const req = /(?:-r|--requirement)[\s=]+([^\s;&|]+)/.exec(line)?.[1];
      if (!req) return;
      const file = model.dependencies.find((d) => d.file === req || d.file.endsWith(`/${req}`))?.file ?? (textOf.has(req) ? req : null);
      const files = file ? includedFiles(model, file) : [];
      const hashed = /--require-hashes\b/.test(line) || files.some((x) => /--hash[=\s]/.test(textOf.get(x) ?? ''));
      const noDeps = /--no-deps\b/.test(line);
      if (!noDeps && !hashed) return;
      const shown = file ?? req;
      const py = runtimePython(model, f.file, python);
      const listed = new Set(model.dependencies.filter((d) => files.length === 0 || files.includes(d.file)).map((d) => d.name));
      // with --no-deps the kombu installed is the one the file pins, when the target accepts it
      const pinned = model.dependencies.find((d) => d.name === 'kombu' && d.version && (files.length === 0 || files.includes(d.file)))?.version;
      const keep = pinned && to.requires.kombu !== undefined && safeSatisfies(pinned, to.requires.kombu.split(';')[0]!.trim());
      const kombu = (keep ? k.kombuReleases.find((r) => r.version === pinned) : null) ?? k.kombuFor(to.version, py ?? undefined);
      const needs = { ...to.requires, ...(kombu?.requires ?? {}) };
      // a regenerated file lists what the target needs on the Python it is compiled with
      const genFiles = files.filter((x) => generatorOf(model, x) !== null);
      const gens = genFiles.map((x) => generatorOf(model, x)!);
      const compiledOn = gens.find((g) => g.python)?.python ?? null;
      const regenerated = gens.length > 0;
      const missing = Object.entries(needs)
        .filter(([name, spec]) => !listed.has(name) && applies(spec, py) && !(regenerated && (compiledOn === null || applies(spec, compiledOn))))
        .map(([name, spec]) => `${name}${spec.split(';')[0]!.trim()}`);
      if (missing.length === 0) return;
      const names = missing.map((m) => m.split(/[<>=!~;]/)[0]!);
      const source = gens.find((g) => g.command)?.command;
      const mode = noDeps ? '`pip install --no-deps`' : "pip's hash-checking mode";
      out.push({
        file: f.file, line: i + 1,
        title: `${mode} installs only what ${shown} lists: Celery ${to.version} needs ${missing.length} more package(s)${regenerated && compiledOn ? ` on Python ${py}` : ''}`,
        why: [
          noDeps
            ? `With --no-deps pip does not follow Requires-Dist, so Celery ${to.version}${kombu ? ` and kombu ${kombu.version}` : ''} would start without ${names.join(', ')} (ImportError at worker start).`
            : `In hash-checking mode pip refuses any requirement the file does not list with its hashes: "Hashes are required in --require-hashes mode, but they are missing from some requirements" (${names.join(', ')}, required by Celery ${to.version}${kombu ? ` / kombu ${kombu.version}` : ''}).`,
          regenerated && compiledOn ? ` ${genFiles[0]} is compiled on Python ${compiledOn} (its header) and installed on Python ${py} here: pip-compile leaves out requirements whose marker is false where it runs (${names.map((n) => `\`${n};${needs[n]!.split(';')[1] ?? ''}\``).join(', ')}).` : '',
        ].join(''),
        suggestion: regenerated
          ? `add ${names.map((n) => `\`${n}\``).join(', ')} to ${compiledFrom(source) ?? `the file ${shown} is compiled from`}, then regenerate it${source ? ` (\`${source}\`)` : ''}; or compile it on Python ${py}`
          : `add to ${shown}: ${missing.map((m) => `\`${m}\``).join(', ')}${hashed ? ' with their hashes (`pip download <name>==<version> --no-deps -d /tmp/jobctl-hashes && pip hash /tmp/jobctl-hashes/*`)' : ''}`,
      });
    });
  }
  return out;
}
