import type { Rule } from './types.js';
import { effectiveSettings } from './lib/settings.js';
import { asStringList } from './lib/values.js';

const KEYS = new Set(['task_serializer', 'result_serializer', 'accept_content', 'result_accept_content', 'event_serializer']);

export const rule: Rule = {
  meta: {
    id: 'JC501',
    name: 'pickle-serializer',
    band: 'security',
    severity: 'error',
    confidence: 'high',
    title: 'pickle accepted as a message serializer: anyone who can write to the broker runs code on the workers',
    description: 'A worker that accepts `pickle` (content type `application/x-python-serialize`) unpickles message bodies from the broker, and unpickling runs arbitrary code. Anyone able to publish to the broker — a leaked Redis password, an unauthenticated Redis, a compromised producer — gets code execution on every worker. Celery has defaulted to JSON only since 4.0 for this reason.',
    fix: 'Use `json` for task_serializer/result_serializer and `accept_content = [\'json\']`; pass ids instead of objects.',
    sources: [
      { title: 'Celery docs, Security: Serializers', ref: 'celery@v5.6.3:docs/userguide/security.rst' },
      { title: 'Python docs: pickle is not secure', ref: 'https://docs.python.org/3/library/pickle.html' },
    ],
  },
  check(ctx) {
    for (const s of effectiveSettings(ctx.model, ctx.knowledge)) {
      if (!KEYS.has(s.newName)) continue;
      const values = asStringList(s.assignment.value) ?? [];
      const bad = values.filter((v) => /pickle|x-python-serialize/i.test(v));
      if (bad.length === 0) continue;
      ctx.report({ loc: s.assignment.keyLoc, key: s.assignment.name, message: `\`${s.assignment.name}\` allows ${bad.map((b) => `'${b}'`).join(', ')}: a message from anyone who can write to the broker is unpickled, i.e. runs code on the worker`, hint: "use 'json' only" });
    }
  },
};
