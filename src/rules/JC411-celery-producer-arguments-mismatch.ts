import type { Rule } from './types.js';
import { tasksNamed } from '../model/typescript/celery-registry.js';
import { checkCall, describeParams, taskSignature } from '../model/typescript/python-signature.js';

export const rule: Rule = {
  meta: {
    id: 'JC411',
    name: 'celery-producer-arguments-mismatch',
    band: 'deploy',
    severity: 'error',
    confidence: 'high',
    title: "Node producer's arguments do not fit the Python task's signature",
    description: `The args array and kwargs object a Node producer sends are passed to the Python function as \`fun(*args, **kwargs)\`. When they do not fit its signature, every such task fails on the worker with \`TypeError\` before the body runs. The check follows Python's rules: \`bind=True\` makes the first parameter \`self\` (not filled by the caller), \`*args\`/\`**kwargs\` accept anything, parameters with defaults are optional, parameters after \`*\` are keyword-only. Only literal arrays/objects are checked.`,
    fix: "Send exactly the arguments the task's `def` takes (positional in order, or by keyword).",
    examples: { language: 'typescript', bad: "# def resize(image_id, width, height=None)\nclient.createTask('media.resize').applyAsync([id])", good: "client.createTask('media.resize').applyAsync([id, 640])" },
    sources: [
      { title: 'Task protocol v2 body: (args, kwargs, embed) applied as fun(*args, **kwargs)', ref: 'celery@v5.6.3:docs/internals/protocol.rst' },
      { title: 'Bound tasks: the first argument is the task instance (self)', ref: 'celery@v5.6.3:docs/userguide/tasks.rst' },
      { title: 'celery-node applyAsync(args, kwargs) / delay(...args) / sendTask(name, args, kwargs)', ref: 'actumn/celery.node@d1a2b2d:src/app/task.ts' },
    ],
  },
  check(ctx) {
    const ts = ctx.model.ts;
    if (!ts) return;
    for (const p of ts.celeryProducers) {
      if (p.taskName === null) continue;
      const tasks = tasksNamed(ctx.model, p.taskName);
      if (tasks.length === 0) continue; // JC410's business
      // several definitions under one name: report only what none of them accepts
      const results = tasks.map((t) => {
        const sig = taskSignature(ctx.model, t);
        return sig ? { t, sig, problems: checkCall(sig, p.positionalCount, p.kwargNames) } : null;
      });
      if (results.some((r) => r === null || r.problems.length === 0)) continue;
      const first = results[0]!;
      const shown = describeParams(first.sig.callerParams);
      ctx.report({
        loc: p.loc,
        key: p.taskName,
        message: `\`${p.taskName}\` ${first.problems.join('; ')} — the worker fails it with TypeError (Python: \`${first.t.functionName}(${shown})\` in ${first.t.file}:${first.t.loc.line})`,
        hint: `send arguments matching \`${first.t.functionName}(${shown})\``,
      });
    }
  },
};
