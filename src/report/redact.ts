// A second net under the per-item masking: every literal secret value the model holds (secret-named
// .env / compose / Python values, URL passwords, redis.conf requirepass and ACL passwords) is
// replaced in every string of a result (checklist, upgrade plan) before anything renders it.
import type { ProjectModel } from '../model/types.js';
import { getClassAttributes, getModuleGlobals } from '../model/python/index.js';
import { isSecretName, urlPassword } from '../rules/lib/secrets.js';
import { allStrings } from '../rules/lib/values.js';
import { isSecretKey, maskUrlCredentials } from '../util/mask.js';

const MIN_SECRET = 4;

export function collectSecretValues(model: ProjectModel): string[] {
  const out = new Set<string>();
  const consider = (key: string, value: string): void => {
    const v = value.trim().replace(/^(['"])(.*)\1$/s, '$2');
    const pw = urlPassword(v);
    if (pw !== null && pw.length >= MIN_SECRET) out.add(pw);
    if ((isSecretName(key) || isSecretKey(key)) && v.length >= MIN_SECRET && !/^\$\{?[A-Za-z_]/.test(v) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) out.add(v);
  };
  for (const env of model.envFiles) for (const v of env.vars) consider(v.key, v.value);
  for (const svc of model.composeServices) for (const v of svc.environment) consider(v.key, v.value);
  for (const source of model.configSources) for (const a of source.settings) {
    for (const s of allStrings(a.value)) consider(a.name, s);
  }
  for (const [, globals] of getModuleGlobals(model)) for (const [name, g] of globals) consider(name, g.valueText);
  for (const attr of getClassAttributes(model)) consider(attr.name, attr.valueText);
  for (const conf of model.redisConfs) {
    for (const d of conf.directives) {
      if ((d.name === 'requirepass' || d.name === 'masterauth') && d.args[0] && d.args[0].length >= MIN_SECRET) out.add(d.args[0]);
      if (d.name === 'user') for (const a of d.args) if (a.startsWith('>') && a.length > MIN_SECRET) out.add(a.slice(1));
    }
  }
  // longest first, so a secret that contains another is replaced whole
  return [...out].sort((a, b) => b.length - a.length);
}

/** Deep copy of value with every secret replaced by **** and URL passwords masked. */
export function redact<T>(value: T, secrets: string[]): T {
  const scrub = (s: string): string => {
    let t = maskUrlCredentials(s);
    for (const secret of secrets) if (t.includes(secret)) t = t.split(secret).join('****');
    return t;
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return scrub(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}
