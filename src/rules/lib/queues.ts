// kombu Queue(...) declarations in the project's Python code, read from the text of each call.
import type { Location, ProjectModel } from '../../model/types.js';
import { isTestFile } from './settings.js';

export interface QueueCall {
  loc: Location;
  /** the call as written, on one line, shortened */
  text: string;
  /** the call's argument text */
  args: string;
}

const CALL = /\b(Queue|Broadcast)\s*\(/g;

/** Every `Queue(…)` / `Broadcast(…)` call in non-test Python files (comments blanked). */
export function queueCalls(model: ProjectModel): QueueCall[] {
  const out: QueueCall[] = [];
  for (const f of model.files) {
    if (!f.file.endsWith('.py') || isTestFile(f.file) || !/\b(Queue|Broadcast)\s*\(/.test(f.text)) continue;
    const text = f.text.replace(/#[^\n'"]*$/gm, '');
    for (const m of text.matchAll(CALL)) {
      const open = m.index! + m[0].length;
      let depth = 1;
      let i = open;
      for (; i < text.length && depth > 0; i++) {
        if (text[i] === '(') depth++;
        else if (text[i] === ')') depth--;
      }
      if (depth !== 0) continue;
      const written = text.slice(open, i - 1);
      const args = inlineNames(written, text.slice(0, m.index));
      const line = text.slice(0, m.index).split('\n').length;
      const col = m.index! - text.lastIndexOf('\n', m.index! - 1);
      const oneLine = `${m[1]}(${written.replace(/\s+/g, ' ').trim()})`;
      out.push({ loc: { file: f.file, line, column: col }, text: oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine, args });
    }
  }
  return out;
}

/**
 * `Queue(**kwargs)` and `queue_arguments=quorum_args`: when the name was assigned a dict literal earlier in the same
 * file (`kwargs = {"name": name, "queue_arguments": {...}}`), its text stands in for the name, so the arguments
 * written there are read. A name assigned anything else stays as written (not readable).
 */
function inlineNames(args: string, before: string): string {
  return args.replace(/(\*\*|\bqueue_arguments\s*=\s*)([A-Za-z_]\w*)\b(?!\s*[.(\[])/g, (whole, how: string, name: string) => {
    const assigned = [...before.matchAll(new RegExp(`^[ \\t]*${name}\\s*(?::[^=\\n]+)?=\\s*\\{`, 'gm'))].pop();
    if (!assigned) return whole;
    const start = assigned.index! + assigned[0].length - 1;
    let depth = 0;
    for (let j = start; j < before.length; j++) {
      if (before[j] === '{') depth++;
      else if (before[j] === '}' && --depth === 0) {
        const dict = before.slice(start, j + 1);
        // **{'name': ..., 'queue_arguments': {...}} reads as keyword arguments; queue_arguments=NAME as that dict
        return how === '**' ? dict.slice(1, -1).replace(/['"](\w+)['"]\s*:/g, '$1=') : `${how}${dict}`;
      }
    }
    return whole;
  });
}

/** Queues declared `durable=False` and not `exclusive=True`: what RabbitMQ 4.3 refuses (transient_nonexcl_queues). */
export function transientQueueDeclarations(model: ProjectModel): QueueCall[] {
  return queueCalls(model).filter((q) => /\bdurable\s*=\s*False\b/.test(q.args) && !/\bexclusive\s*=\s*True\b/.test(q.args));
}
