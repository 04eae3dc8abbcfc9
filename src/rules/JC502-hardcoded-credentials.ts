import type { Rule, Severity } from './types.js';
import type { Location } from '../model/types.js';
import { allStrings } from './lib/values.js';
import { THROWAWAY_COMMENT, composeFallback, envLookupDefault, inFallbackDefault, isDevOnlyFile, isKeyByValueShape, isSecretDefault, isHighEntropyToken, isLiteralSecretValue, isSecretName, knownKeyFormat, maskedUrl, urlPassword } from './lib/secrets.js';
import { isTestFile } from './lib/settings.js';
import { getModuleGlobals } from '../model/python/index.js';
import { fileLines, tokenAt } from './lib/source.js';

/** a CI or test switch: `if "GHACTIONS" in os.environ:`, `if os.getenv("CI")`, `if TESTING:` */
const CI_SWITCH = /\b(CI|GHACTIONS|GITHUB_ACTIONS|GITLAB_CI|TRAVIS|CIRCLECI|JENKINS_URL|BUILDKITE|TESTING|PYTEST\w*|RUNNING_TESTS)\b|['"]test['"]\s+in\s+sys\.argv/;

/** The Python line sits inside an `if` (at any depth) whose condition is a CI/test switch: CI-only throw-away values. */
function inCiBlock(lines: string[], line: number): boolean {
  let indent = (lines[line - 1] ?? '').search(/\S/);
  for (let i = line - 2; i >= 0 && indent > 0; i--) {
    const l = lines[i] ?? '';
    const ind = l.search(/\S/);
    if (ind < 0 || l.trim().startsWith('#') || ind >= indent) continue;
    indent = ind;
    const m = /^\s*(?:if|elif)\s+(.+):\s*(#.*)?$/.exec(l);
    if (m && CI_SWITCH.test(m[1]!)) return true;
  }
  return false;
}

/** a secret scanner's inline allow marker on the line (detect-secrets, gitleaks) */
const ALLOWLIST_PRAGMA = /#\s*pragma:\s*allowlist[ -]secret\b|gitleaks:allow\b/i;

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
  /** the default of an environment lookup (`${VAR:-…}`, `os.environ.get("VAR", …)`): how to say so */
  defaultOf?: string;
  /** a known key format (AWS, GitHub, …): a leak wherever it is written */
  format: boolean;
  /** a setting that names a constant (`broker=CELERY_BROKER`, imported): the literal is written elsewhere */
  indirect?: boolean;
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

Judged by value and context, not by name alone: a dotted class path, an environment variable's *name*, a Redis key template (\`"session:{}"\`, \`%s\`), a multi-line script, a mask (\`****\`) and obvious placeholders (\`changeme\`, \`your-api-key-here\`, \`replace me\`, empty) are not secrets. A regular expression, a character set, a sentence written as an identifier, an algorithm name (\`bcrypt\`, \`HS256\`) and a message with markup (\`'This link has expired. Please <a href="/login/">log in</a>.'\`) are not secrets either, nor is a line its author marked for secret scanners (\`# pragma: allowlist secret\`, \`gitleaks:allow\`). A value repeated in many files is one finding that lists the other places. Test code and values inside a CI-only block (\`if "GHACTIONS" in os.environ:\`, \`if TESTING:\`) are skipped. A random-looking literal (or a known key format) as the *default* of an environment lookup — \`os.environ.get("SECRET_KEY", "…")\`, \`os.getenv\`, environs/django-environ \`env("X", default="…")\`, python-decouple \`config("X", default="…")\`, compose \`\${SECRET_KEY:-…}\` — is a committed secret too (warning): it is what runs whenever the variable is unset; a word-like default, a placeholder, a value that calls itself insecure/dev/test, or one whose comment says it is for testing is not. A name ending in KEY that does not say secret (\`DJANGO_KEY\`, \`SIGNING_KEY\`) holds a secret when its value is a random token of 32 or more characters; public keys, site keys and cache keys by name do not. A word-like (low-entropy) password set by name in a compose file and a URL inside a \`\${VAR:-…}\` fallback are reported at lower severity. A weak or vendor-default password the services really use (\`password123\`, \`bitnami\`, RabbitMQ's \`guest\` for a broker off localhost) is a credential, not a placeholder. Not reported: literals in development-only files and examples to copy (\`*_example.py\`, \`settings/local_dev.py\`, \`settings_dev.py\`, \`.devcontainer/\`, \`*.dev.yml\`, \`.env.local\`, a \`devproject/\`) — a throw-away local default is what such files are for — unless the value is a real key format, which leaks whatever the file; and \`guest:guest\` on localhost, which RabbitMQ only accepts from loopback.`,
    fix: 'Read it from the environment or a secret store (`os.environ["CELERY_BROKER_URL"]`, compose `${REDIS_PASSWORD}` from an untracked .env), and rotate the exposed credential.',
    sources: [
      { title: 'Celery masks broker URLs it logs (maybe_sanitize_url)', ref: 'celery@v5.6.3:celery/app/utils.py' },
      { title: 'OWASP: Use of hard-coded password (CWE-259)', ref: 'https://cwe.mitre.org/data/definitions/259.html' },
      { title: 'RabbitMQ access control: the default guest user can only connect from localhost (since 3.3.0)', ref: 'https://www.rabbitmq.com/docs/access-control#loopback-users' },
      { title: 'GitHub secret scanning: supported token formats', ref: 'https://docs.github.com/en/code-security/secret-scanning/introduction/supported-secret-scanning-patterns' },
    ],
  },
  check(ctx) {
    const found: Candidate[] = [];
    const add = (written: Location, what: string, secret: string, opts: { url?: string; byName?: boolean; text?: string; format?: boolean; defaultOf?: string } = {}): void => {
      if (isTestFile(written.file)) return;
      // the line of the literal itself, when the value spans lines (`SECRET_KEY = (\n    "django-insecure-…"\n)`)
      const loc = tokenAt(ctx.model, written, secret);
      // the author marked the line as no secret for a secret scanner: detect-secrets' `pragma: allowlist secret`,
      // gitleaks' `gitleaks:allow` (mitodl/mitxpro's local compose DATABASE_URL)
      if ([written.line, loc.line].some((l) => ALLOWLIST_PRAGMA.test(fileLines(ctx.model, loc.file)[l - 1] ?? ''))) return;
      if (loc.file.endsWith('.py') && inCiBlock(fileLines(ctx.model, loc.file), written.line)) return;
      // a development-only or example file holds throw-away local defaults: that is what it is for — unless the
      // value is a real key format, which leaks whatever file it is in
      if (isDevOnlyFile(loc.file) && !opts.format) return;
      // RabbitMQ's guest:guest on localhost: RabbitMQ only accepts guest from loopback (loopback_users), nothing leaks
      if (opts.url && defaultCredentials(opts.url)?.local) return;
      found.push({ loc, what, secret, url: opts.url, byName: opts.byName ?? false, fallback: opts.defaultOf !== undefined || (opts.text ? inFallbackDefault(opts.text) : false), defaultOf: opts.defaultOf, format: opts.format ?? false });
    };
    const fromUrl = (loc: Location, label: string, value: string): boolean => {
      const pw = urlPassword(value);
      if (!pw) return false;
      add(loc, `${label} holds a URL with a literal password (${maskedUrl(value)})`, pw, { url: value, text: value });
      return true;
    };
    const fromName = (loc: Location, label: string, name: string, value: string, where: string, short = false): void => {
      const format = knownKeyFormat(value);
      if (format) add(loc, `${label} is set to a literal ${format}${where}`, value.trim(), { format: true });
      else if (isSecretName(name) && isLiteralSecretValue(value, name, { short })) add(loc, `${label} is set to a literal secret${where}`, value.trim(), { byName: !isHighEntropyToken(value) });
      else if (isKeyByValueShape(name, value)) add(loc, `${label} is set to a literal key (a ${value.trim().length}-character random token)${where}`, value.trim());
    };
    // the literal default of an environment lookup: used whenever the variable is unset, so it is committed. Only a
    // random-looking token or a known key format: a word-like default is a local-development fallback
    const fromDefault = (loc: Location, label: string, name: string, d: { variable: string; value: string }, how: string): void => {
      if (!(isSecretName(name) || isSecretName(d.variable) || isKeyByValueShape(name, d.value)) || !isSecretDefault(d.value)) return;
      // the author says so beside it: `# Make a unique key just for testing` above the lookup
      const lines = fileLines(ctx.model, loc.file);
      if ([lines[loc.line - 2], lines[loc.line - 1]].some((l) => l !== undefined && THROWAWAY_COMMENT.test(l))) return;
      const format = knownKeyFormat(d.value);
      add(loc, `${label} falls back to a literal ${format ?? 'secret'}`, d.value.trim(), { format: !!format, defaultOf: how });
    };
    // Celery settings and constructor arguments
    for (const source of ctx.model.configSources) {
      for (const a of source.settings) {
        const before = found.length;
        let url = false;
        for (const v of allStrings(a.value)) url = fromUrl(a.loc, `\`${a.name}\``, v) || url;
        if (!url && a.value.kind === 'str') fromName(a.loc, `\`${a.name}\``, a.name, a.value.value, ' in code');
        if (/^[A-Za-z_][\w.]*$/.test(a.valueText?.trim() ?? '')) for (const c of found.slice(before)) c.indirect = true;
      }
    }
    // any module-level constant: REDIS_URL = 'redis://:pw@…', SMTP_PASSWORD = '…'
    for (const [, globals] of getModuleGlobals(ctx.model)) {
      for (const [name, g] of globals) {
        const m = /^[rbuRBU]?(['"])(.*)\1$/s.exec(g.valueText.trim());
        if (!m) {
          const d = envLookupDefault(g.valueText);
          if (d) fromDefault(g.loc, `\`${name}\``, name, d, `the default of the environment lookup of \`${d.variable}\``);
          continue;
        }
        if (!fromUrl(g.loc, `\`${name}\``, m[2]!)) fromName(g.loc, `\`${name}\``, name, m[2]!, ' in code');
      }
    }
    // a broker/backend URL with a password given to Celery where the config reader did not look: a second
    // `Celery(backend="redis://:pw@…")` in another branch, `conf.update(broker_url="…")` in a function. Only at a
    // broker/backend keyword: URLs elsewhere in code are often documentation examples (SQLAlchemy URI placeholders)
    const seen = new Set(found.map((c) => `${c.loc.file}:${c.loc.line}`));
    for (const f of ctx.model.files) {
      // one pass over the whole text first: a line that matches matches there too, and most files have none (saleor:
      // splitting every file with a URL into lines took ~60 ms CPU for no finding)
      if (f.kind !== 'python' || !f.text.includes('://') || !URL_AT_KEYWORD.test(f.text)) continue;
      f.text.split('\n').forEach((text, i) => {
        if (/^\s*#/.test(text) || seen.has(`${f.file}:${i + 1}`)) return;
        for (const m of text.matchAll(new RegExp(URL_AT_KEYWORD.source, 'gi'))) {
          if (fromUrl({ file: f.file, line: i + 1, column: (m.index ?? 0) + 1 }, `\`${m[1]}\``, m[4]!)) break;
        }
      });
    }
    // a committed .env: URLs with a literal password (plain KEY=secret lines are JC503's business)
    for (const env of ctx.model.envFiles) {
      if (env.gitTracked !== true || /(example|sample|template)([.-]|$)/i.test(env.file.split('/').pop()!)) continue;
      for (const v of env.vars) fromUrl(v.loc, `\`${v.key}\` in ${env.file}`, v.value);
    }
    // compose environment
    for (const svc of ctx.model.composeServices) {
      for (const e of svc.environment) {
        const label = `service \`${svc.name}\`: \`${e.key}\``;
        if (fromUrl(e.loc, label, e.value)) continue;
        const d = composeFallback(e.value);
        if (d) fromDefault(e.loc, label, e.key, d, `the fallback of \`\${${d.variable}:-…}\``);
        else fromName(e.loc, label, e.key, e.value, '', true);
      }
    }
    // one finding per secret value: the first place (production before dev-only files), the others listed
    const groups = new Map<string, Candidate[]>();
    for (const c of found) groups.set(c.secret, [...(groups.get(c.secret) ?? []), c]);
    for (const places of groups.values()) {
      // a setting that only names the constant (`Celery(broker=CELERY_BROKER)`) is not another place the value is written
      const written = places.some((c) => !c.indirect) ? places.filter((c) => !c.indirect) : places;
      const uniq = written.filter((c, i) => written.findIndex((x) => x.loc.file === c.loc.file && x.loc.line === c.loc.line) === i)
        .sort((a, b) => Number(isDevOnlyFile(a.loc.file)) - Number(isDevOnlyFile(b.loc.file)) || Number(!a.url) - Number(!b.url) || a.loc.file.localeCompare(b.loc.file) || a.loc.line - b.loc.line);
      const first = uniq[0]!;
      const others = uniq.slice(1).map((c) => `${c.loc.file}:${c.loc.line}`);
      const also = others.length ? `; the same value is also in ${others.slice(0, 5).join(', ')}${others.length > 5 ? ` and ${others.length - 5} more` : ''}` : '';
      const base = { loc: first.loc, key: `${first.loc.file}:${first.loc.line}` };
      const def = first.url ? defaultCredentials(first.url) : null;
      if (def) {
        // RabbitMQ's well-known guest:guest is not a leaked secret; it is a default that must not reach production
        ctx.report({ ...base, severity: 'warning', message: `${first.what.replace(/holds a URL with a literal password/, `holds RabbitMQ's default credentials ${def.user}:****`)} for a broker off localhost: it only works there because guest was let in from the network (loopback_users), so anyone who reaches the broker can use it too${also}`, hint: 'create a dedicated broker user with its own password and read the URL from the environment' });
        continue;
      }
      if (uniq.every((c) => isDevOnlyFile(c.loc.file))) {
        // only known key formats are kept in development-only files (see add)
        ctx.report({ ...base, message: `${first.what} (in a development-only or example file, but a real key format leaks wherever it is committed)${also}`, hint: 'revoke the key, and read it from the environment or a secret store' });
        continue;
      }
      let severity: Severity = 'error';
      let note = '';
      if (uniq.every((c) => c.fallback)) {
        severity = 'warning';
        note = ` — as ${first.defaultOf ?? 'the fallback of `${VAR:-…}`'}, used whenever the variable is unset`;
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

/** a URL with a user part given at a broker/backend keyword: `broker="redis://:pw@host"`, `'result_backend': '…'` */
const URL_AT_KEYWORD = /\b(broker|backend|broker_url|result_backend|broker_read_url|broker_write_url)(['"]?\s*[=:]\s*)(?<![fF])(['"])([a-z][a-z0-9+.-]*:\/\/[^'"\s]+@[^'"\s]*)\3/i;

/** amqp://guest:guest@host — RabbitMQ's built-in default user (loopback-only since RabbitMQ 3.3) */
function defaultCredentials(url: string): { user: string; local: boolean } | null {
  const m = /^(amqps?|pyamqp|librabbitmq):\/\/([^:/@]+):([^@/]+)@([^/:?]*)/i.exec(url.trim());
  if (!m || m[2] !== 'guest' || m[3] !== 'guest') return null;
  return { user: 'guest', local: /^(localhost|127\.0\.0\.1|\[::1\]|)$/i.test(m[4]!) };
}
