// docker-compose*.yml / compose*.yaml, read with the `yaml` package (positions kept, `<<` merges
// resolved): services with image, command/entrypoint (→ WorkerCommand), environment and ports.
import { parseDocument, isMap, isSeq, isScalar, LineCounter, type Node, type Pair, type Document } from 'yaml';
import { quote } from 'shell-quote';
import type { ComposeService, EnvVar, Location } from '../types.js';
import type { Integration } from './types.js';
import { basename } from './text.js';
import { parseCeleryInvocations } from './celery-command.js';

export function isComposeFile(rel: string): boolean {
  return /^(docker-)?compose([.-][\w.-]+)?\.ya?ml$/i.test(basename(rel));
}

function locOf(file: string, lc: LineCounter, node: Node | null | undefined, fallback: Location): Location {
  const start = node?.range?.[0];
  if (start === undefined) return fallback;
  const p = lc.linePos(start);
  return { file, line: p.line, column: p.col };
}

/** command/entrypoint as one shell string: exec-form lists are re-quoted so the parser sees the same words */
function commandText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) return quote(value.map(String));
  return null;
}

export const composeIntegration: Integration = {
  id: 'compose',
  kind: 'compose',
  matches: isComposeFile,
  read(file, model) {
    const lc = new LineCounter();
    let doc: Document;
    try {
      doc = parseDocument(file.text, { lineCounter: lc, merge: true, prettyErrors: false, uniqueKeys: false });
    } catch (err) {
      model.notes.push({ level: 'warning', file: file.file, message: `not valid YAML (${(err as Error).message.split('\n')[0]})` });
      return;
    }
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      const line = e.linePos?.[0]?.line;
      model.notes.push({ level: 'warning', file: file.file, message: `not valid YAML${line ? ` at line ${line}` : ''} (${e.code}); fix it so docker compose (and jobctl) can read it` });
      return;
    }
    const services = doc.get('services', true);
    if (!isMap(services)) return;
    for (const pair of services.items as Pair<Node, Node>[]) {
      const name = isScalar(pair.key) ? String(pair.key.value) : null;
      if (!name || !isMap(pair.value)) continue;
      const svcNode = pair.value;
      const svcLoc = locOf(file.file, lc, pair.key, { file: file.file, line: 1, column: 1 });
      let js: Record<string, unknown>;
      try {
        js = (svcNode.toJS(doc, { maxAliasCount: 1000 }) ?? {}) as Record<string, unknown>;
      } catch (err) {
        // e.g. a YAML alias bomb ("Excessive alias count"): this service was not read
        model.notes.push({ level: 'warning', file: file.file, message: `service ${name} not read: ${(err as Error).message.split('\n')[0]}` });
        model.unread.push({ file: file.file, loc: svcLoc, what: `compose service ${name}`, reason: (err as Error).message.split('\n')[0] ?? 'not valid YAML' });
        continue;
      }
      const nodeOf = (key: string): Node | undefined => (svcNode.get(key, true) as Node | undefined) ?? undefined;

      const environment: EnvVar[] = [];
      const envNode = nodeOf('environment');
      if (isMap(envNode)) {
        for (const p of envNode.items as Pair<Node, Node>[]) {
          if (!isScalar(p.key)) continue;
          const v = isScalar(p.value) ? p.value.value : null;
          environment.push({ key: String(p.key.value), value: v === null || v === undefined ? '' : String(v), loc: locOf(file.file, lc, p.key, svcLoc) });
        }
      } else if (isSeq(envNode)) {
        for (const item of envNode.items as Node[]) {
          if (!isScalar(item)) continue;
          const s = String(item.value);
          const eq = s.indexOf('=');
          environment.push({ key: eq >= 0 ? s.slice(0, eq) : s, value: eq >= 0 ? s.slice(eq + 1) : '', loc: locOf(file.file, lc, item, svcLoc) });
        }
      }

      const ports: ComposeService['ports'] = [];
      const portsNode = nodeOf('ports');
      if (isSeq(portsNode)) {
        for (const item of portsNode.items as Node[]) {
          const at = locOf(file.file, lc, item, svcLoc);
          if (isScalar(item)) ports.push({ value: String(item.value), loc: at });
          else if (isMap(item)) {
            const p = item.toJS(doc) as { target?: unknown; published?: unknown; host_ip?: unknown };
            if (p.published === undefined) continue; // not published on the host
            ports.push({ value: `${p.host_ip ? `${String(p.host_ip)}:` : ''}${String(p.published)}:${String(p.target)}`, loc: at });
          }
        }
      }

      const command = commandText(js.command);
      const entrypoint = commandText(js.entrypoint);
      model.composeServices.push({
        name, file: file.file, loc: svcLoc,
        image: typeof js.image === 'string' ? js.image : null,
        command: command ?? entrypoint,
        environment, ports,
      });

      const fromCommand = command ? parseCeleryInvocations(command, { source: 'compose', file: file.file, loc: locOf(file.file, lc, nodeOf('command'), svcLoc), processName: name }) : [];
      const fromEntrypoint = entrypoint ? parseCeleryInvocations(entrypoint, { source: 'compose', file: file.file, loc: locOf(file.file, lc, nodeOf('entrypoint'), svcLoc), processName: name }) : [];
      if (fromEntrypoint.length === 1 && fromEntrypoint[0]!.subcommand === null && command) {
        // entrypoint: celery, command: -A proj worker → one invocation
        model.workerCommands.push(...parseCeleryInvocations(`${entrypoint} ${command}`, { source: 'compose', file: file.file, loc: fromEntrypoint[0]!.loc, processName: name }));
      } else {
        model.workerCommands.push(...fromEntrypoint, ...fromCommand);
      }
    }
  },
};
