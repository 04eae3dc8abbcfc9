import type { Rule } from './types.js';
import { allStrings } from './lib/values.js';
import { isDevOnlyFile, isLiteralSecretValue, isSecretName, maskedUrl, urlPassword } from './lib/secrets.js';
import { isTestFile } from './lib/settings.js';
import { getModuleGlobals } from '../model/python/index.js';

export const rule: Rule = {
  meta: {
    id: 'JC502',
    name: 'hardcoded-credentials',
    band: 'security',
    severity: 'error',
    confidence: 'medium',
    title: 'Credential written into code or compose files (broker/backend URL password, API key, SMTP password)',
    description: 'A password in a broker or result-backend URL, or a secret-named setting with a literal value, is in every clone, image layer and CI log of the repository, and rotating it needs a code change. Celery itself masks broker passwords in its own banner, but not in your files. jobctl never prints the value: messages show `redis://:****@host`. In development-only files (`.devcontainer/`, `*.dev.yml`, `*.local.yml`, `.env.local`) literal values are usually throw-away defaults and are reported as info.',
    fix: 'Read it from the environment or a secret store (`os.environ["CELERY_BROKER_URL"]`, compose `${REDIS_PASSWORD}` from an untracked .env), and rotate the exposed credential.',
    sources: [
      { title: 'Celery masks broker URLs it logs (maybe_sanitize_url)', ref: 'celery@v5.6.3:celery/app/utils.py' },
      { title: 'OWASP: Use of hard-coded password (CWE-259)', ref: 'https://cwe.mitre.org/data/definitions/259.html' },
      { title: 'RabbitMQ access control: the default guest user can only connect from localhost (since 3.3.0) — reported as info/warning, not a leaked secret', ref: 'https://www.rabbitmq.com/docs/access-control#loopback-users' },
    ],
  },
  check(ctx) {
    const reported = new Set<string>();
    const report = (loc: import('../model/types.js').Location, what: string, url?: string): void => {
      const k = `${loc.file}:${loc.line}`;
      if (reported.has(k) || isTestFile(loc.file)) return;
      reported.add(k);
      const def = url ? defaultCredentials(url) : null;
      if (def) {
        // RabbitMQ's well-known guest:guest is not a leaked secret; it is a default that must not reach production
        ctx.report({ loc, key: k, severity: def.local ? 'info' : 'warning', message: `${what.replace(/holds a URL with a literal password/, `holds RabbitMQ's default credentials ${def.user}:****`)}${def.local ? ' (local broker: RabbitMQ only accepts guest from localhost)' : ''}`, hint: 'create a dedicated broker user with its own password and read the URL from the environment' });
        return;
      }
      if (isDevOnlyFile(loc.file)) {
        ctx.report({ loc, key: k, severity: 'info', message: `${what} (a development-only file)`, hint: 'fine for a throw-away local default; make sure production reads this value from a secret store' });
        return;
      }
      ctx.report({ loc, key: k, message: what, hint: 'read it from the environment or a secret store, and rotate it' });
    };
    // Celery settings and constructor arguments
    for (const source of ctx.model.configSources) {
      for (const a of source.settings) {
        for (const v of allStrings(a.value)) {
          if (urlPassword(v)) report(a.loc, `\`${a.name}\` holds a URL with a literal password (${maskedUrl(v)})`, v);
        }
        if (a.value.kind === 'str' && isSecretName(a.name) && isLiteralSecretValue(a.value.value) && !urlPassword(a.value.value)) {
          report(a.loc, `\`${a.name}\` is set to a literal secret in code`);
        }
      }
    }
    // any module-level constant: REDIS_URL = 'redis://:pw@…', SMTP_PASSWORD = '…'
    for (const [, globals] of getModuleGlobals(ctx.model)) {
      for (const [name, g] of globals) {
        const m = /^[rbuRBU]?(['"])(.*)\1$/s.exec(g.valueText.trim());
        if (!m) continue;
        const value = m[2]!;
        if (urlPassword(value)) report(g.loc, `\`${name}\` holds a URL with a literal password (${maskedUrl(value)})`, value);
        else if (isSecretName(name) && isLiteralSecretValue(value)) report(g.loc, `\`${name}\` is set to a literal secret in code`);
      }
    }
    // a committed .env: URLs with a literal password (plain KEY=secret lines are JC503's business)
    for (const env of ctx.model.envFiles) {
      if (env.gitTracked !== true || /(example|sample|template)([.-]|$)/i.test(env.file.split('/').pop()!)) continue;
      for (const v of env.vars) if (urlPassword(v.value)) report(v.loc, `\`${v.key}\` in ${env.file} holds a URL with a literal password (${maskedUrl(v.value)})`, v.value);
    }
    // compose environment
    for (const svc of ctx.model.composeServices) {
      for (const e of svc.environment) {
        if (urlPassword(e.value)) report(e.loc, `service \`${svc.name}\`: \`${e.key}\` holds a URL with a literal password (${maskedUrl(e.value)})`, e.value);
        else if (isSecretName(e.key) && isLiteralSecretValue(e.value)) report(e.loc, `service \`${svc.name}\`: \`${e.key}\` is set to a literal secret`);
      }
    }
  },
};

/** amqp://guest:guest@host — RabbitMQ's built-in default user (loopback-only since RabbitMQ 3.3) */
function defaultCredentials(url: string): { user: string; local: boolean } | null {
  const m = /^(amqps?|pyamqp|librabbitmq):\/\/([^:/@]+):([^@/]+)@([^/:?]*)/i.exec(url.trim());
  if (!m || m[2] !== 'guest' || m[3] !== 'guest') return null;
  return { user: 'guest', local: /^(localhost|127\.0\.0\.1|\[::1\]|)$/i.test(m[4]!) };
}
