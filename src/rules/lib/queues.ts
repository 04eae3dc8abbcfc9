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
      const args = text.slice(open, i - 1);
      const line = text.slice(0, m.index).split('\n').length;
      const col = m.index! - text.lastIndexOf('\n', m.index! - 1);
      const oneLine = `${m[1]}(${args.replace(/\s+/g, ' ').trim()})`;
      out.push({ loc: { file: f.file, line, column: col }, text: oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine, args });
    }
  }
  return out;
}

/** Queues declared `durable=False` and not `exclusive=True`: what RabbitMQ 4.3 refuses (transient_nonexcl_queues). */
export function transientQueueDeclarations(model: ProjectModel): QueueCall[] {
  return queueCalls(model).filter((q) => /\bdurable\s*=\s*False\b/.test(q.args) && !/\bexclusive\s*=\s*True\b/.test(q.args));
}
