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
  if (!/celery|worker_main/.test(text) || !/\b(subprocess|os\.(system|popen|exec|spawn)|worker_main)/.test(text)) return [];
  const tree = await parsePython(text);
  try {
    // Python does not run a module that does not parse: no worker starts from it (the Python reader notes the error)
    if (tree.rootNode.hasError) return [];
    const bareSpawn = /^\s*from\s+subprocess\s+import\b/m.test(text);
    const out: WorkerCommand[] = [];
    for (const call of tree.rootNode.descendantsOfType('call')) {
      if (!call) continue;
      const fn = call.childForFieldName('function')?.text ?? '';
      if (/\.worker_main$/.test(fn)) {
        // `app.worker_main(argv=['worker', '-l', 'info'])` (a Django management command's handle()): celery's CLI on that argv
        const arg = call.childForFieldName('arguments')?.namedChildren.find((a): a is SyntaxNode => a !== null && (a.type !== 'keyword_argument' || a.childForFieldName('name')?.text === 'argv'));
        const value = arg?.type === 'keyword_argument' ? arg.childForFieldName('value') : arg;
        const line = value ? commandLine(value) : null;
        if (line === null) continue;
        const at = { file, line: call.startPosition.row + 1, column: call.startPosition.column + 1 };
        out.push(...parseCeleryInvocations(`celery ${line}`, { source: 'other', file, loc: at }).filter((w) => w.subcommand !== null));
        continue;
      }
      if (!SPAWN.test(fn) || (!fn.includes('.') && !bareSpawn)) continue;
      const args = call.childForFieldName('arguments')?.namedChildren.filter((a): a is SyntaxNode => a !== null && a.type !== 'keyword_argument') ?? [];
      for (const arg of args) {
        const line = commandLine(arg);
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

/**
 * The literal a name holds where it is used: the last assignment to it before `at` in the same function
 * (or module), at that scope's top level (`cmd = 'pkill celery'` … `cmd = 'celery -A proj worker'` …
 * `Popen(shlex.split(cmd))`); an assignment inside a branch or loop makes it unknown.
 */
function bindingAt(name: string, at: SyntaxNode): SyntaxNode | null {
  let scope: SyntaxNode | null = at.parent;
  while (scope && scope.type !== 'function_definition' && scope.type !== 'module') scope = scope.parent;
  if (!scope) return null;
  const body = scope.type === 'module' ? scope : scope.childForFieldName('body');
  let bound: SyntaxNode | null = null;
  let local = false;
  for (const a of scope.descendantsOfType('assignment')) {
    const left = a?.childForFieldName('left');
    if (!a || left?.type !== 'identifier' || left.text !== name) continue;
    let owner: SyntaxNode | null = a.parent;
    while (owner && owner.type !== 'function_definition' && owner.type !== 'module') owner = owner.parent;
    if (owner?.id !== scope.id) continue; // a nested function's own variable
    local = true;
    if (a.startIndex >= at.startIndex) continue;
    const stmt = a.parent;
    if (stmt?.type !== 'expression_statement' || stmt.parent?.id !== body?.id) return null;
    bound = a.childForFieldName('right');
  }
  if (local || scope.type === 'module') return bound;
  // not assigned in the function: the module's global, when the module binds it once at its top level
  const module = at.tree.rootNode;
  const globals = module.namedChildren.filter((st): st is SyntaxNode => st?.type === 'expression_statement' && st.firstNamedChild?.type === 'assignment' && st.firstNamedChild.childForFieldName('left')?.text === name);
  return globals.length === 1 ? globals[0]!.firstNamedChild!.childForFieldName('right') : null;
}

/** a literal command as shell text: a list of strings (re-quoted), a string, shlex.split(<string>), or a name bound to one */
function commandLine(node: SyntaxNode, depth = 0): string | null {
  if (depth > 2) return null;
  if (node.type === 'identifier') {
    const bound = bindingAt(node.text, node);
    return bound ? commandLine(bound, depth + 1) : null;
  }
  if (node.type === 'call' && /^(shlex\.)?split$/.test(node.childForFieldName('function')?.text ?? '')) {
    const first = node.childForFieldName('arguments')?.namedChildren[0];
    return first ? commandLine(first, depth + 1) : null;
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
