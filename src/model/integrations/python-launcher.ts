// A Python module that a deploy command runs (`command: python main.py`) and that starts the worker as a
// child process: `subprocess.call(["celery", "-A", "main.celery", "worker", …])` under a reloader
// (watchgod's run_process, Django's autoreload), `os.execvp("celery", [...])`, `os.system("celery … worker")`.
// Only literal command lines are read: a list of string literals, a string literal (shlex-split), or a
// name bound once in the module to one of those. Anything built at run time stays unread, never guessed.
import { quote } from 'shell-quote';
import type { Node as SyntaxNode } from 'web-tree-sitter';
import type { ProjectModel, WorkerCommand } from '../types.js';
import { parsePython } from '../python/parser.js';
import { parseCeleryInvocations } from './celery-command.js';

// calls that start a program: subprocess.call/run/Popen/check_*, os.system/popen/exec*/spawn* (a bare name only when imported from subprocess)
const SPAWN = /^(?:subprocess\.)?(?:call|run|Popen|check_call|check_output)$|^os\.(?:system|popen|exec[lv]p?e?|spawn[lv]p?e?)$/;

export async function readPythonLauncher(file: string, text: string, model: ProjectModel): Promise<WorkerCommand[]> {
  if (!/celery/.test(text) || !/\b(subprocess|os\.(system|popen|exec|spawn))/.test(text)) return [];
  const tree = await parsePython(text);
  try {
    const bareSpawn = /^\s*from\s+subprocess\s+import\b/m.test(text);
    const bindings = literalBindings(tree.rootNode);
    const out: WorkerCommand[] = [];
    for (const call of tree.rootNode.descendantsOfType('call')) {
      if (!call) continue;
      const fn = call.childForFieldName('function')?.text ?? '';
      if (!SPAWN.test(fn) || (!fn.includes('.') && !bareSpawn)) continue;
      const args = call.childForFieldName('arguments')?.namedChildren.filter((a): a is SyntaxNode => a !== null && a.type !== 'keyword_argument') ?? [];
      for (const arg of args) {
        const line = commandLine(arg, bindings);
        if (line === null) continue;
        const at = { file, line: arg.startPosition.row + 1, column: arg.startPosition.column + 1 };
        const found = parseCeleryInvocations(line, { source: 'other', file, loc: at }).filter((w) => w.subcommand !== null);
        out.push(...found);
        if (found.length > 0) break;
      }
    }
    model.workerCommands.push(...out);
    return out;
  } finally {
    tree.delete();
  }
}

/** names bound exactly once in the module to a literal command (`cmd = "celery -A proj worker"`) */
function literalBindings(root: SyntaxNode): Map<string, SyntaxNode | null> {
  const out = new Map<string, SyntaxNode | null>();
  for (const a of root.descendantsOfType('assignment')) {
    const left = a?.childForFieldName('left');
    const right = a?.childForFieldName('right');
    if (!left || left.type !== 'identifier' || !right) continue;
    out.set(left.text, out.has(left.text) ? null : right);
  }
  return out;
}

/** a literal command as shell text: a list of strings (re-quoted), a string, shlex.split(<string>), or a name bound to one */
function commandLine(node: SyntaxNode, bindings: Map<string, SyntaxNode | null>, depth = 0): string | null {
  if (depth > 2) return null;
  if (node.type === 'identifier') {
    const bound = bindings.get(node.text);
    return bound ? commandLine(bound, bindings, depth + 1) : null;
  }
  if (node.type === 'call' && /^(shlex\.)?split$/.test(node.childForFieldName('function')?.text ?? '')) {
    const first = node.childForFieldName('arguments')?.namedChildren[0];
    return first ? commandLine(first, bindings, depth + 1) : null;
  }
  if (node.type === 'string') return stringValue(node);
  if (node.type === 'list' || node.type === 'tuple') {
    const words: string[] = [];
    for (const el of node.namedChildren) {
      if (!el) return null;
      // [sys.executable, "-m", "celery", …]
      if (el.type === 'attribute' && el.text === 'sys.executable' && words.length === 0) words.push('python');
      else {
        const s = el.type === 'string' ? stringValue(el) : null;
        if (s === null) return null;
        words.push(s);
      }
    }
    return words.length > 0 ? quote(words) : null;
  }
  return null;
}

/** a plain string literal's value (no f-string fields, no escapes); null otherwise */
function stringValue(node: SyntaxNode): string | null {
  const m = /^([rRuU]?)('''|"""|'|")([\s\S]*)\2$/.exec(node.text);
  if (!m || node.namedChildren.some((c) => c?.type === 'interpolation') || (m[1] === '' && m[3]!.includes('\\'))) return null;
  return m[3]!;
}
