import type { Rule } from './types.js';
import type { Location } from '../model/types.js';
import { escapeRe } from '../model/integrations/text.js';
import { tokenAt } from './lib/source.js';
import { effectiveSettings } from './lib/settings.js';
import { asStringList } from './lib/values.js';
import { getModuleLevelCalls } from '../model/python/index.js';

const KEYS = new Set(['task_serializer', 'result_serializer', 'accept_content', 'result_accept_content', 'event_serializer']);

export const rule: Rule = {
  meta: {
    id: 'JC501',
    name: 'pickle-serializer',
    band: 'security',
    severity: 'error',
    confidence: 'high',
    title: 'pickle accepted as a message serializer: anyone who can write to the broker runs code on the workers',
    description: 'A worker that accepts `pickle` (or a custom serializer registered with kombu whose decoder calls `pickle.loads`) (content type `application/x-python-serialize`) unpickles message bodies from the broker, and unpickling runs arbitrary code. Anyone able to publish to the broker — a leaked Redis password, an unauthenticated Redis, a compromised producer — gets code execution on every worker. Celery has defaulted to JSON only since 4.0 for this reason. A custom serializer that verifies an HMAC of the body before unpickling is a different, lower risk (reported as a warning): forged messages are rejected, but the signing key becomes a code-execution key.',
    fix: 'Use `json` for task_serializer/result_serializer and `accept_content = [\'json\']`; pass ids instead of objects.',
    sources: [
      { title: 'Celery docs, Security: Serializers', ref: 'celery@v5.6.3:docs/userguide/security.rst' },
      { title: 'Python docs: pickle is not secure', ref: 'https://docs.python.org/3/library/pickle.html' },
      { title: 'kombu.serialization.register: custom serializers (encoder, decoder, content_type)', ref: 'kombu@v5.6.2:kombu/serialization.py' },
      { title: 'Python docs: hmac.compare_digest', ref: 'https://docs.python.org/3/library/hmac.html#hmac.compare_digest' },
    ],
  },
  check(ctx) {
    const custom = customSerializers(ctx.model);
    for (const s of effectiveSettings(ctx.model, ctx.knowledge)) {
      if (!KEYS.has(s.newName)) continue;
      const values = asStringList(s.assignment.value) ?? [];
      const registered = values.map((v) => custom.get(v)).filter((c): c is CustomSerializer => !!c && c.unpickles);
      const signed = registered.filter((c) => c.verifiesHmac);
      // the line of the offending entry when the list spans lines (`accept_content = [\n 'json',\n 'pickle',\n]`)
      const valueAt = (v: string): Location => tokenAt(ctx.model, s.assignment.keyLoc, new RegExp(`['"]${escapeRe(v)}['"]`), s.assignment.loc.endLine ?? s.assignment.loc.line);
      const bad = values.filter((v) => (/pickle|x-python-serialize/i.test(v) && !custom.get(v)?.verifiesHmac) || registered.some((c) => c.name === v && !c.verifiesHmac));
      if (bad.length === 0 && signed.length > 0) {
        const c = signed[0]!;
        ctx.report({
          loc: valueAt(c.name), key: s.assignment.name, severity: 'warning',
          message: `\`${s.assignment.name}\` uses \`${c.name}\`, a custom serializer that verifies an HMAC before unpickling (${c.decoder}, ${c.loc.file}:${c.loc.line}): forged messages are rejected, but anyone who holds the signing key can still run code on the workers`,
          hint: 'keep the key out of the code and rotate it; prefer json (or Celery\'s auth serializer with certificates) for new tasks',
        });
        continue;
      }
      if (bad.length === 0) continue;
      ctx.report({ loc: valueAt(bad[0]!), key: s.assignment.name, message: `\`${s.assignment.name}\` allows ${bad.map((b) => `'${b}'`).join(', ')}: a message from anyone who can write to the broker is unpickled, i.e. runs code on the worker`, hint: "use 'json' only" });
    }
  },
};

interface CustomSerializer {
  name: string;
  decoder: string;
  loc: import('../model/types.js').Location;
  unpickles: boolean;
  verifiesHmac: boolean;
}

/** Serializers the project registers with kombu (`register('name', dumps, loads, content_type=…)`) and what their decoder does. */
function customSerializers(model: import('../model/types.js').ProjectModel): Map<string, CustomSerializer> {
  const out = new Map<string, CustomSerializer>();
  const byModule = new Map<string, import('../model/types.js').FunctionDef[]>();
  for (const f of model.functions) byModule.set(f.module, [...(byModule.get(f.module) ?? []), f]);
  const calls: { module: string; call: import('../model/types.js').CallSite }[] = [];
  for (const [module, list] of getModuleLevelCalls(model)) for (const call of list) calls.push({ module, call });
  for (const f of model.functions) for (const call of f.calls) calls.push({ module: f.module, call });
  for (const { module, call } of calls) {
    if (!/(^|\.)(serialization\.register|registry\.register)$/.test(call.resolved) && call.resolved !== 'kombu.serialization.register') continue;
    const args = call.argsText.split(',').map((a) => a.trim());
    const name = /^['"]([^'"]+)['"]$/.exec(args[0] ?? '')?.[1];
    const decoderRef = (args.find((a) => /^decoder\s*=/.test(a))?.replace(/^decoder\s*=\s*/, '') ?? args[2] ?? '').split('.').pop() ?? '';
    if (!name || !decoderRef) continue;
    const fns = model.functions.filter((f) => f.name === decoderRef);
    const decoder = fns.find((f) => f.module === module) ?? fns[0];
    if (!decoder) continue;
    const reached = new Set<string>([decoder.id]);
    const byId = new Map(model.functions.map((f) => [f.id, f]));
    const stack = [...decoder.callees];
    while (stack.length && reached.size < 20) {
      const id = stack.pop()!;
      if (reached.has(id)) continue;
      reached.add(id);
      stack.push(...(byId.get(id)?.callees ?? []));
    }
    const allCalls = [...reached].flatMap((id) => byId.get(id)?.calls ?? []);
    out.set(name, {
      name, decoder: decoder.name, loc: decoder.loc,
      unpickles: allCalls.some((c) => /^(pickle|cPickle|_pickle|dill|cloudpickle)\.loads?$/.test(c.resolved)),
      verifiesHmac: allCalls.some((c) => /^hmac\.(compare_digest|new|digest)$/.test(c.resolved) || /^(secrets\.compare_digest|itsdangerous\.)/.test(c.resolved) || /\.(verify|unsign|loads)$/.test(c.callee) && /sign/i.test(c.callee)),
    });
  }
  return out;
}
