// Finding literal secrets without ever returning them: callers get masked text only.
import { maskUrlCredentials } from '../../util/mask.js';

const SECRET_NAME = /(PASSWORD|PASSWD|PWD|(^|_)PASS$|SECRET|TOKEN|API_?KEY|PRIVATE_KEY|ACCESS_KEY|AUTH_KEY|DSN)(?![A-Z_]*(URL|ENDPOINT|TIMEOUT|EXPIRE|VALIDATORS|HASHERS|FILE|PATH|LENGTH|AGE|NAME|HEADER|TYPE|PREFIX|SALT_FIELD|FIELD|TEMPLATE|SUBJECT|CLASS|MODEL))/i;
/** a name that holds a password (not a token or key): its value is a password whatever its length (`RABBITMQ_DEFAULT_PASS=guest`) */
const PASSWORD_NAME = /(PASSWORD|PASSWD|PWD|(^|_)PASS)$/i;
const URL_WITH_PASSWORD = /\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/'"]*:([^\s@/'"]+)@/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

export function isPasswordName(name: string): boolean {
  return PASSWORD_NAME.test(name);
}

/** Formats of real keys, recognised whatever the variable is called. */
const KNOWN_KEY_FORMATS: { name: string; re: RegExp }[] = [
  { name: 'AWS access key id', re: /^(AKIA|ASIA)[0-9A-Z]{16}$/ },
  { name: 'GitHub token', re: /^(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}$|^github_pat_[A-Za-z0-9_]{40,}$/ },
  { name: 'Slack token', re: /^xox[abposr]-[A-Za-z0-9-]{10,}$/ },
  { name: 'Google API key', re: /^AIza[0-9A-Za-z_-]{35}$/ },
  { name: 'OpenAI/Anthropic-style API key', re: /^sk-(ant-|proj-)?[A-Za-z0-9_-]{20,}$/ },
  { name: 'Stripe key', re: /^(sk|rk)_(live|test)_[A-Za-z0-9]{16,}$/ },
  { name: 'SendGrid key', re: /^SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}$/ },
  { name: 'private key', re: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { name: 'Telegram bot token', re: /^\d{8,10}:[A-Za-z0-9_-]{35}$/ },
];

export function knownKeyFormat(value: string): string | null {
  const v = value.trim();
  return KNOWN_KEY_FORMATS.find((k) => k.re.test(v))?.name ?? null;
}

/** Shannon entropy in bits per character. */
function entropy(v: string): number {
  const counts = new Map<string, number>();
  for (const ch of v) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / v.length) * Math.log2(n / v.length);
  return h;
}

/** A random-looking token: long enough, mixed character classes, high entropy. */
export function isHighEntropyToken(value: string): boolean {
  const v = value.trim();
  if (v.length < 16 || /\s/.test(v)) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(v)).length;
  return classes >= 2 && entropy(v) >= 3.5;
}

/**
 * Why a literal is NOT a secret, judged by its value: a placeholder, a mask, a reference to something else (an
 * environment variable's name, a dotted class path, a Redis key template), or a script. null = it may be a secret.
 */
export function notASecret(value: string): string | null {
  const v = value.trim();
  if (v.length === 0) return 'empty';
  if (/\n/.test(value)) return 'a multi-line text (script or template)';
  if (/^\$\{?[A-Za-z_]/.test(v) || /^<.*>$/.test(v) || /^\{\{.*\}\}$/.test(v) || /^%\(.*\)s$/.test(v)) return 'a reference';
  // a template expression (`{{cookiecutter.postgres_password}}`), as the deploy readers leave it (model/integrations/template.ts)
  if (/\{\{|\{%|jobctl_template_value/.test(v)) return 'a reference';
  if (/^[*•xX#.-]+$/.test(v) || /\*{3,}/.test(v)) return 'a mask';
  if (/^(change[-_ ]?me|changeme|change[-_ ]?this|replace[-_ ]?me|replace[-_ ]?this|xxx+|example|placeholder|dummy|fake|sample|secret|password|passwd|pass|none|null|nil|todo|tbd|fixme|test|testing|default|foo|bar|foobar|not[-_ ]?set|unset|redacted)$/i.test(v)) return 'a placeholder';
  if (/^(your|my|insert|enter|put|add|set)[-_ ]?.*(key|token|secret|password|here)/i.test(v) || /(_here|-here| here)$/i.test(v) || /replace[-_ ]?(me|this|with)/i.test(v) || /^(fake|dummy|test|example|sample|placeholder)[-_]/i.test(v)) return 'a placeholder';
  if (/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(v)) return "an environment variable's name";
  // snake_case names (`change_password_attempts`) and hyphenated words (`api-token`); `kiwi-1s-aw3s0m3` is a password
  if (/^_*[a-z][a-z0-9]*(_[a-z][a-z0-9]*)+[_:.-]?$/.test(v) || /^[a-z]+(-[a-z]+)+$/.test(v)) return 'an identifier (a key or field name)';
  // lowercase words joined by ':', '.', '-', '_' with at least one ':' (a cache key `sumo:wiki:full-rebuild`), or
  // hyphenated words that say the value is missing (a sentinel `secret-key-missing!`; `top-secret!` stays a password)
  if (/^[a-z]+([:._-][a-z]+)*:[a-z]+([:._-][a-z]+)*$/.test(v) || (/^[a-z]+(-[a-z]+)+[!?]?$/.test(v) && /(^|-)(missing|unset|undefined|invalid|unknown|required|empty|none)(-|!|\?|$)/.test(v))) return 'an identifier (a key name or sentinel)';
  // a Django model label `app_label.ModelName` (OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = 'pretixapi.OAuthAccessToken')
  if (/^[a-z_][a-z0-9_]*\.[A-Z][A-Za-z0-9]*$/.test(v)) return 'a model label';
  if (/^(to[-_ ]?be[-_ ]?(defined|set|changed|replaced|filled)|undefined|not[-_ ]?defined|notset|n\/?a)$/i.test(v)) return 'a placeholder';
  if (/^\d+$/.test(v)) return 'a number';
  // the name of a hashing or signing algorithm (`SECURITY_PASSWORD_HASH = "bcrypt"`, Flask-Security; `JWT_ALGORITHM = "HS256"`)
  if (/^(bcrypt|argon2(id)?|scrypt|pbkdf2(_sha\d+)?|sha\d+_crypt|md5_crypt|des_crypt|plaintext|[HRE]S(256|384|512)|sha-?\d+|md5)$/i.test(v)) return 'an algorithm name';
  if (/^[a-z][a-z0-9+.-]*:\/\/[^\s@]+$/i.test(v)) return 'a URL without credentials';
  if (/^[A-Z]+(-[A-Z]+){2,}$/.test(v)) return 'a placeholder';
  if (/^[A-Za-z_]\w*(\.[A-Za-z_]\w*){2,}$/.test(v) && !/^eyJ/.test(v)) return 'a dotted path';
  // a random token can contain "%s" or "{}" by chance: templates are judged only on low-entropy text
  if (!isHighEntropyToken(v.replace(/\{[\w]*\}|%[sdr]|%\([\w]+\)[sd]/g, '')) && (/\{[\w]*\}|%[sdr]|%\([\w]+\)[sd]/.test(v) || /^[\w-]+(:[\w{}*-]+)+:?$/.test(v))) return 'a key template';
  // a regular expression (a URL route `(?P<friendly_token>[\w\-_]*)`), a character set (`.~!@#$%&*-+=`, the alphabet of a
  // password generator), a sentence written as an identifier (`I_am_a_secret_that_is_never_used_meaningfully_by_pulp`)
  if (/\(\?P?<\w+>|\[\\[wdsWDS]|\\[wdsWDS][*+?]/.test(v)) return 'a regular expression';
  if (/^[^A-Za-z0-9\s]+$/.test(v)) return 'a character set';
  if (/^[A-Za-z]+(_[A-Za-z]+){4,}$/.test(v)) return 'prose (words joined by underscores)';
  // prose, not a credential: INVALID_TOKEN = "Invalid or expired token." (three or more words)
  if (/^[A-Za-z'’,]+(\s+[A-Za-z'’,.!?]+){2,}$/.test(v)) return 'prose';
  // a message with markup: EXPIRED_EMAIL_CONFIRM_TOKEN = 'This link has expired. Please <a href="/login/">log in</a> to continue.'
  // (osf.io website/language.py) — the tags removed, four or more words of prose
  const untagged = v.replace(/<\/?[A-Za-z][^<>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  if (untagged !== v && /^[A-Za-z'’,]+(\s+[A-Za-z'’,.!?:;]+){3,}$/.test(untagged)) return 'prose';
  return null;
}

/**
 * A value that is a real literal secret, not a placeholder or a reference. With `name`: a value that only repeats a
 * word of its own name is a label (`ACTIVATION_TOKEN = "activation"`). `short`: a password-named value of 4–5 characters
 * counts too — for a service's own configuration (compose `RABBITMQ_DEFAULT_PASS=guest`: the password it really uses);
 * in code such a short literal is usually a documented default of a developer tool (`PASSWORD = 'admin'`).
 */
export function isLiteralSecretValue(value: string, name?: string, opts: { short?: boolean } = {}): boolean {
  const v = value.trim();
  if (knownKeyFormat(v)) return true;
  if (name && !isPasswordName(name) && /^[a-z]+$/i.test(v) && name.toLowerCase().split(/[^a-z0-9]+/).includes(v.toLowerCase())) return false;
  if (v.length < (name && isPasswordName(name) && opts.short ? 4 : 6)) return false;
  return notASecret(value) === null;
}

/** A literal that looks weak (a word, not a random token): still a credential, but likely a local default. */
export function isLowEntropy(value: string): boolean {
  return !isHighEntropyToken(value) && !knownKeyFormat(value);
}

/** The password part of a URL when it is a literal (not ${VAR}); null otherwise. */
export function urlPassword(value: string): string | null {
  const m = URL_WITH_PASSWORD.exec(value);
  if (!m) return null;
  let pw = m[1]!;
  try {
    pw = decodeURIComponent(pw);
  } catch {
    // a literal '%' that is not an escape (e.g. a password like 'p%ss'): the text as written is the password
  }
  if (/^\$\{?[A-Za-z_]|^%\(|^\{/.test(pw) || pw.length === 0) return null;
  // the URL's other parts are template expressions too: `postgresql://{{user}}:{{password}}@db` rendered by a template tool
  if (/\{\{|jobctl_template_value/.test(value)) return null;
  const why = notASecret(pw);
  if (why === 'a placeholder' || why === 'a mask' || why === 'a reference') return null;
  return pw;
}

/** The URL sits in a shell/compose fallback `${VAR:-url}`: it applies only when VAR is unset. */
export function inFallbackDefault(text: string): boolean {
  return /\$\{[A-Za-z_]\w*:?-[^}]*:\/\//.test(text);
}

/** The URL with its password masked (util/mask.ts); where the user name equals the password, the user name too. */
export function maskedUrl(value: string): string {
  const masked = maskUrlCredentials(value);
  const m = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/'"]*):([^\s@/'"]+)@/i.exec(value);
  if (!m || !m[2] || decodeURIComponent(m[2]) !== decodeURIComponent(m[3]!)) return masked;
  return masked.replace(`${m[1]}${m[2]}:****@`, `${m[1]}****:****@`);
}

/**
 * Files that only configure a developer's machine or a test run: dev containers (`.devcontainer/`,
 * any hidden `*-container/` workspace folder), `local/`/`dev/`/`devproject/`/`examples/` folders, compose's auto-loaded
 * `docker-compose.override.yml`, Django settings modules named local/dev (`settings/local_dev.py`), and deploy
 * files whose name says dev/development/local/test (`compose-dev.yml`, `.env.local`, `redis-test.conf`), and
 * example settings to copy (`settings_example.py`). Literal credentials and open ports there are usually throw-away defaults,
 * so rules report them as info (or not at all), the same way for every rule and every line of one file.
 */
export function isDevOnlyFile(file: string): boolean {
  if (/(^|\/)[^/]*[._-](example|sample|template)\.py$/i.test(file)) return true;
  const parts = file.split('/');
  const name = parts.pop() ?? '';
  // a project folder named for development: misago's `devproject/`, `dev_site/`, `local-env/`
  if (parts.some((d) => /^\.[\w-]*container$/i.test(d) || /^(local|dev|development)([-_]?(project|site|env|settings|app))?$/i.test(d) || /^(examples?|samples?)$/i.test(d))) return true;
  if (/^docker-compose\.override\.ya?ml$|^compose\.override\.ya?ml$/i.test(name)) return true;
  // settings modules of a developer's machine: settings/local.py, settings/dev.py, settings/local_dev.py
  if (/\.py$/.test(name) && parts.some((d) => /settings$/i.test(d)) && /^(local|dev|development)([_-]\w+)?\.py$|^\w+_(local|dev|development)\.py$/i.test(name)) return true;
  // a sample settings module for a developer's machine beside the real one: temba/settings_dev.py (nyaruka/rapidpro), dev_settings.py
  if (/^settings[_-](local|dev|development)\.py$|^(local|dev|development)[_-]settings\.py$/i.test(name)) return true;
  const deployFile = /\.(ya?ml|env|conf)$/i.test(name) || /^\.?env([.\-_]|$)/i.test(name);
  return deployFile && /(^|[.\-_])(dev|development|local|test|testing)([.\-_]|$)/i.test(name);
}

/** A Python string literal's text, quotes and r/b/u prefix removed; null for anything else (f-strings, names, calls). */
function pyStringLiteral(text: string): string | null {
  const m = /^[rbuRBU]?(['"])((?:(?!\1)[^\\\n]|\\.)*)\1$/.exec(text.trim());
  return m ? m[2]! : null;
}

/**
 * The literal default of an environment lookup written as a whole module-level value: `os.environ.get("X", "lit")`,
 * `os.getenv("X", "lit")`, `environ.get(...)`, environs' `env.str("X", "lit")` / `env("X", default="lit")`,
 * django-environ's `env("X", default="lit")` (its second positional argument is a cast, not a default) and
 * python-decouple's `config("X", default="lit")`. The default is what the program runs with whenever X is unset.
 */
export function envLookupDefault(valueText: string): { variable: string; value: string } | null {
  const t = valueText.split('\n').map(withoutPyComment).join(' ').trim().replace(/\s+/g, ' ');
  const call = /^(os\.environ\.get|os\.getenv|environ\.get|getenv|env(?:\.str)?|config)\(\s*(['"])([A-Za-z_]\w*)\2\s*,\s*(.*?),?\s*\)$/.exec(t);
  if (!call) return null;
  const fn = call[1]!;
  let rest = call[4]!.trim();
  const kw = /^default\s*=\s*(.*)$/.exec(rest);
  if (kw) rest = kw[1]!;
  // positional defaults only where the function's second parameter is the default
  else if (!/^(os\.environ\.get|os\.getenv|environ\.get|getenv|env\.str)$/.test(fn)) return null;
  const value = pyStringLiteral(rest);
  return value === null ? null : { variable: call[3]!, value };
}

/** One line of Python without its `# comment` (a `#` inside a string literal stays). */
function withoutPyComment(line: string): string {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '#') return line.slice(0, i);
  }
  return line;
}

/** A compose/shell value that is only `${VAR:-literal}` (or `${VAR-literal}`): the literal applies whenever VAR is unset. */
export function composeFallback(value: string): { variable: string; value: string } | null {
  const m = /^\$\{([A-Za-z_]\w*):?-([^}$]*)\}$/.exec(value.trim());
  return m ? { variable: m[1]!, value: m[2]! } : null;
}

/** words that say a default is a deliberate throw-away value (`django-insecure-…`, `dev-secret-key-…`, `not-a-real-secret`) */
const THROWAWAY_DEFAULT = /(^|[^a-z])(insecure|unsafe|dev|development|local|localhost|test|testing|example|sample|dummy|fake|change|changeme|replace|placeholder|notsecret|not[-_ ]?(a[-_ ]?)?(real|secret)|default|secret[-_]?key)([^a-z]|$)/i;

/**
 * A default literal that is a real secret rather than a development value: a known key format, or a random-looking
 * token (at least 16 characters, high entropy) that does not call itself a throw-away value. Word-like defaults
 * (`"mysecret"`) stay silent: an env lookup with a memorable default is almost always a local-development fallback.
 */
export function isSecretDefault(value: string): boolean {
  const v = value.trim();
  if (knownKeyFormat(v)) return true;
  if (notASecret(v) !== null || THROWAWAY_DEFAULT.test(v)) return false;
  return isHighEntropyToken(v);
}

/**
 * A name that holds a key only by context (`DDS_DJANGO_KEY`, `FERNET_KEY`, `SIGNING_KEY`: a name ending in KEY that
 * SECRET_NAME does not cover), judged by the value's shape: a random token of at least 32 characters (a 32-hex-digit
 * Django key, a base64 Fernet key). Public keys by name (`PUBLIC_KEY`, `PUBLISHABLE_KEY`, reCAPTCHA `SITE_KEY`) are not secrets.
 */
export function isKeyByValueShape(name: string, value: string): boolean {
  if (isSecretName(name) || !/(^|_)KEY$/i.test(name) || /(PUBLIC|PUBLISHABLE|PUB|SITE|CLIENT|PROJECT|CACHE|PARTITION|ROUTING|LOOKUP|SORT|PRIMARY|FOREIGN|REDIS|QUEUE|LOCK|STREAM|SESSION)_?KEY$/i.test(name)) return false;
  const v = value.trim();
  if (v.length < 32 || !/^[A-Za-z0-9+/=_-]+$/.test(v) || THROWAWAY_DEFAULT.test(v) || notASecret(v) !== null) return false;
  return isHighEntropyToken(v);
}

/** A comment that declares the value beside it throw-away: `# a key just for testing`, `# example only`, `# development only`. */
export const THROWAWAY_COMMENT = /#.*\b((just |only )?for (testing|tests|development|local (use|development))|examples?( only)?\b|dev(elopment)?[- ]only|not (used )?(in|for) production)/i;
