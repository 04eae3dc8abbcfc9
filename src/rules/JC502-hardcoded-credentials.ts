import type { Rule, Severity } from './types.js';
import type { Location } from '../model/types.js';
import { allStrings } from './lib/values.js';
import { inFallbackDefault, isDevOnlyFile, isHighEntropyToken, isLiteralSecretValue, isSecretName, knownKeyFormat, maskedUrl, urlPassword } from './lib/secrets.js';
import { isTestFile } from './lib/settings.js';
import { getModuleGlobals } from '../model/python/index.js';

interface Candidate {
  loc: Location;
  /** the message, already masked */
  what: string;
  /** the secret itself: never printed, only used to group the places of one value */
  secret: string;
  url?: string;
  /** name-only literal (not a URL password, not a known format): judged by entropy */
  byName: boolean;
  /** inside `${VAR:-…}`: a fallback, applies only when VAR is unset */
  fallback: boolean;
}

export const rule: Rule = {
  meta: {
    id: 'JC502',
    name: 'hardcoded-credentials',
    band: 'security',
    severity: 'error',
    confidence: 'medium',
    title: 'Credential written into code or compose files (broker/backend URL password, API key, SMTP password)',
    description: `A password in a broker or result-backend URL, a known key format (AWS, GitHub, Slack, Google, Stripe, OpenAI-style, private keys, Telegram bot tokens) or a high-entropy token is in every clone, image layer and CI log of the repository, and rotating it needs a code change. Celery itself masks broker passwords in its own banner, but not in your files. jobctl never prints the value: messages show \`redis://:****@host\` (and the user name too when it equals the password).

Judged by value and context, not by name alone: a dotted class path, an environment variable's *name*, a Redis key template (\`"session:{}"\`, \`%s\`), a multi-line script, a mask (\`****\`) and obvious placeholders (\`changeme\`, \`your-api-key-here\`, \`replace me\`, empty) are not secrets. A value repeated in many files is one finding that lists the other places. Test code is skipped. A word-like (low-entropy) password set by name in a compose file, a URL inside a \`\${VAR:-…}\` fallback, and anything in development-only files or examples to copy (\`*_example.py\`, \`.devcontainer/\`, \`*.dev.yml\`, \`*.local.yml\`, \`.env.local\`) are reported at lower severity: usually throw-away local defaults, still worth keeping out of production.`,
    fix: 'Read it from the environment or a secret store (`os.environ["CELERY_BROKER_URL"]`, compose `${REDIS_PASSWORD}` from an untracked .env), and rotate the exposed credential.',
    sources: [
      { title: 'Celery masks broker URLs it logs (maybe_sanitize_url)', ref: 'celery@v5.6.3:celery/app/utils.py' },
      { title: 'OWASP: Use of hard-coded password (CWE-259)', ref: 'https://cwe.mitre.org/data/definitions/259.html' },
      { title: 'RabbitMQ access control: the default guest user can only connect from localhost (since 3.3.0) — reported as info/warning, not a leaked secret', ref: 'https://www.rabbitmq.com/docs/access-control#loopback-users' },
      { title: 'GitHub secret scanning: supported token formats', ref: 'https://docs.github.com/en/code-security/secret-scanning/introduction/supported-secret-scanning-patterns' },
    ],
  },
  check(ctx) {
    const found: Candidate[] = [];
    const add = (loc: Location, what: string, secret: string, opts: { url?: string; byName?: boolean; text?: string } = {}): void => {
      if (isTestFile(loc.file)) return;
      found.push({ loc, what, secret, url: opts.url, byName: opts.byName ?? false, fallback: opts.text ? inFallbackDefault(opts.text) : false });
    };
    const fromUrl = (loc: Location, label: string, value: string): boolean => {
      const pw = urlPassword(value);
      if (!pw) return false;
      add(loc, `${label} holds a URL with a literal password (${maskedUrl(value)})`, pw, { url: value, text: value });
      return true;
    };
    const fromName = (loc: Location, label: string, name: string, value: string, where: string): void => {
      const format = knownKeyFormat(value);
      if (format) add(loc, `${label} is set to a literal ${format}${where}`, value.trim());
      else if (isSecretName(name) && isLiteralSecretValue(value)) add(loc, `${label} is set to a literal secret${where}`, value.trim(), { byName: !isHighEntropyToken(value) });
    };
    // Celery settings and constructor arguments
    for (const source of ctx.model.configSources) {
      for (const a of source.settings) {
        let url = false;
        for (const v of allStrings(a.value)) url = fromUrl(a.loc, `\`${a.name}\``, v) || url;
        if (!url && a.value.kind === 'str') fromName(a.loc, `\`${a.name}\``, a.name, a.value.value, ' in code');
      }
    }
    // any module-level constant: REDIS_URL = 'redis://:pw@…', SMTP_PASSWORD = '…'
    for (const [, globals] of getModuleGlobals(ctx.model)) {
      for (const [name, g] of globals) {
        const m = /^[rbuRBU]?(['"])(.*)\1$/s.exec(g.valueText.trim());
        if (!m) continue;
        if (!fromUrl(g.loc, `\`${name}\``, m[2]!)) fromName(g.loc, `\`${name}\``, name, m[2]!, ' in code');
      }
    }
    // a committed .env: URLs with a literal password (plain KEY=secret lines are JC503's business)
    for (const env of ctx.model.envFiles) {
      if (env.gitTracked !== true || /(example|sample|template)([.-]|$)/i.test(env.file.split('/').pop()!)) continue;
      for (const v of env.vars) fromUrl(v.loc, `\`${v.key}\` in ${env.file}`, v.value);
    }
    // compose environment
    for (const svc of ctx.model.composeServices) {
      for (const e of svc.environment) {
        if (!fromUrl(e.loc, `service \`${svc.name}\`: \`${e.key}\``, e.value)) fromName(e.loc, `service \`${svc.name}\`: \`${e.key}\``, e.key, e.value, '');
      }
    }
    // one finding per secret value: the first place (production before dev-only files), the others listed
    const groups = new Map<string, Candidate[]>();
    for (const c of found) groups.set(c.secret, [...(groups.get(c.secret) ?? []), c]);
    for (const places of groups.values()) {
      const uniq = places.filter((c, i) => places.findIndex((x) => x.loc.file === c.loc.file && x.loc.line === c.loc.line) === i)
        .sort((a, b) => Number(isDevOnlyFile(a.loc.file)) - Number(isDevOnlyFile(b.loc.file)) || a.loc.file.localeCompare(b.loc.file) || a.loc.line - b.loc.line);
      const first = uniq[0]!;
      const others = uniq.slice(1).map((c) => `${c.loc.file}:${c.loc.line}`);
      const also = others.length ? `; the same value is also in ${others.slice(0, 5).join(', ')}${others.length > 5 ? ` and ${others.length - 5} more` : ''}` : '';
      const base = { loc: first.loc, key: `${first.loc.file}:${first.loc.line}` };
      const def = first.url ? defaultCredentials(first.url) : null;
      if (def) {
        // RabbitMQ's well-known guest:guest is not a leaked secret; it is a default that must not reach production
        ctx.report({ ...base, severity: def.local ? 'info' : 'warning', message: `${first.what.replace(/holds a URL with a literal password/, `holds RabbitMQ's default credentials ${def.user}:****`)}${def.local ? ' (local broker: RabbitMQ only accepts guest from localhost)' : ''}${also}`, hint: 'create a dedicated broker user with its own password and read the URL from the environment' });
        continue;
      }
      if (uniq.every((c) => isDevOnlyFile(c.loc.file))) {
        ctx.report({ ...base, severity: 'info', message: `${first.what} (a development-only or example file)${also}`, hint: 'fine for a throw-away local default; make sure production reads this value from a secret store' });
        continue;
      }
      let severity: Severity = 'error';
      let note = '';
      if (uniq.every((c) => c.fallback)) {
        severity = 'warning';
        note = ' — as the fallback of `${VAR:-…}`, used whenever the variable is unset';
      } else if (uniq.every((c) => c.byName && /\.ya?ml$/.test(c.loc.file))) {
        severity = 'info';
        note = ' — a word-like password in a compose file, likely a local default; make sure production sets its own';
      } else if (first.byName) {
        severity = 'warning';
        note = ' (a low-entropy value: a default or a weak password)';
      }
      ctx.report({ ...base, severity, message: `${first.what}${note}${also}`, hint: 'read it from the environment or a secret store, and rotate it' });
    }
  },
};

/** amqp://guest:guest@host — RabbitMQ's built-in default user (loopback-only since RabbitMQ 3.3) */
function defaultCredentials(url: string): { user: string; local: boolean } | null {
  const m = /^(amqps?|pyamqp|librabbitmq):\/\/([^:/@]+):([^@/]+)@([^/:?]*)/i.exec(url.trim());
  if (!m || m[2] !== 'guest' || m[3] !== 'guest') return null;
  return { user: 'guest', local: /^(localhost|127\.0\.0\.1|\[::1\]|)$/i.test(m[4]!) };
}
