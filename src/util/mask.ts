// The one masking step. Every output jobctl produces (findings, checklist items, plans and their
// diff context, runtime results, error messages, JSON, SARIF, HTML) passes through maskText or
// maskDeep. It masks credential *positions*, never every occurrence of a value, so "3600", the word
// "password" and project names stay readable:
// - URL userinfo in any quoting: redis://user:pw@host, shell-escaped redis\://\:pw\@host, URL-encoded
//   passwords, `@` and `:` inside the password (the userinfo ends at the authority's last `@`); a
//   password equal to its user name masks the user name too; a token as the only userinfo of an
//   http(s)/git URL (https://<token>@github.com/…);
// - KEY=value, KEY: value, "key": "value", key='value' where KEY names a secret (.env, compose
//   environment lists and maps, Dockerfile ENV, systemd Environment=, supervisord environment=,
//   Python settings and keyword arguments, sentinel_kwargs / broker_transport_options dicts);
// - redis.conf / redis-server directives: requirepass, masterauth (also as --options), ACL `user …
//   >password`; command-line --password/--token/… options and `redis-cli -a`.
// References (${VAR}, $VAR, os.environ[…], {{ … }}, %(x)s) are not secrets and stay readable.

/** Secret-named settings and variables (not their *_URL, *_TIMEOUT, *_FILE… neighbours). */
const SECRET_NAME = /(PASSWORD|PASSWD|PWD|SECRET|TOKEN|API_?KEY|PRIVATE_KEY|ACCESS_KEY|AUTH_KEY|DSN|REQUIREPASS|MASTERAUTH)(?![A-Z_]*(URL|ENDPOINT|TIMEOUT|EXPIRE|VALIDATORS|HASHERS|FILE|PATH|LENGTH|AGE|NAME|HEADER|TYPE|PREFIX|SALT_FIELD|FIELD|TEMPLATE|SUBJECT|CLASS|LIFETIME|TTL|SECONDS|MINUTES|HOURS|DAYS|RESET|CHANGE|POLICY|CHARS|MIN|MAX))/i;

/** Key patterns Celery itself hides (celery/app/utils.py HIDDEN_SETTINGS) plus a few more: for a
 * value whose key is known (a parsed setting), the whole value is the credential position. */
const SECRET_KEY = /API|TOKEN|KEY|SECRET|PASS|PWD|SIGNATURE|CREDENTIAL|AUTH|DSN|PRIVATE/i;

export const MASK = '****';

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** A value that refers to a secret instead of holding one. */
export function isReference(value: string): boolean {
  const v = value.trim().replace(/^(['"])(.*)\1$/s, '$2').trim();
  return v === '' || v === MASK || /^\{[A-Za-z_][A-Za-z0-9_]*\}$|^\$\{?[A-Za-z_]|^%\(|^\{\{|^<[^>]*>$|^(os\.|env\(|getenv|config\(|settings\.)/.test(v) || /^(none|null|true|false|nil|~)$/i.test(v);
}

const unescape = (s: string): string => s.replace(/\\(.)/g, '$1');
const TOKEN_USER_SCHEMES = /^(https?|git\+https?|git\+ssh|ssh|git)$/i;

/** Userinfo of the URL whose authority starts at `start` in text; null when it has none. */
function parseAuthority(text: string, start: number): { end: number; at: number; atLen: number; colon: number; colonLen: number } | null {
  let end = start;
  while (end < text.length) {
    const ch = text[end]!;
    if (ch === '\\' && end + 1 < text.length && text[end + 1] !== '\n') { end += 2; continue; }
    if (/[\s'"/?#`<>\])},;|]/.test(ch)) break;
    end++;
  }
  const raw = text.slice(start, end);
  const at = raw.lastIndexOf('@');
  if (at <= 0) return null;
  const atLen = raw[at - 1] === '\\' ? 2 : 1;
  const userinfoEnd = at - (atLen - 1);
  const colonAt = raw.slice(0, userinfoEnd).indexOf(':');
  if (colonAt < 0) return { end, at: start + at - (atLen - 1), atLen, colon: -1, colonLen: 0 };
  const colonLen = colonAt > 0 && raw[colonAt - 1] === '\\' ? 2 : 1;
  return { end, at: start + at - (atLen - 1), atLen, colon: start + colonAt - (colonLen - 1), colonLen };
}

function maskUrls(text: string): string {
  const re = /([a-z][a-z0-9+.-]*)(\\?:\\?\/\\?\/)/gi;
  let out = '';
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const start = m.index + m[0].length;
    const a = parseAuthority(text, start);
    if (!a) continue;
    if (a.colon < 0) {
      // only a user name: a token for http(s)/git URLs, a plain user elsewhere (amqp://guest@host)
      const user = unescape(text.slice(start, a.at));
      if (TOKEN_USER_SCHEMES.test(m[1]!) && user.length >= 8 && !/^git$/i.test(user) && !isReference(user)) {
        out += text.slice(last, start) + MASK;
        last = a.at;
      }
      re.lastIndex = a.end;
      continue;
    }
    const user = unescape(text.slice(start, a.colon));
    const pw = unescape(text.slice(a.colon + a.colonLen, a.at));
    if (pw === '' || isReference(pw)) { re.lastIndex = a.end; continue; }
    out += text.slice(last, start) + (user !== '' && user === pw ? MASK : text.slice(start, a.colon)) + text.slice(a.colon, a.colon + a.colonLen) + MASK;
    last = a.at;
    re.lastIndex = a.end;
  }
  return out + text.slice(last);
}

// KEY=value / KEY: value / "key": "value" / key='value'
const KV = /(^|[\s,;{(\[="']|\\n)(["']?)([A-Za-z_][A-Za-z0-9_.-]*)\2([ \t]*(?:=|:)[ \t]*)("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|[^\s,;'"}\])]+)/g;

function maskKeyValues(text: string): string {
  let out = '';
  let last = 0;
  KV.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = KV.exec(text)) !== null) {
    const [all, lead, q, key, sep, value] = m as unknown as [string, string, string, string, string, string];
    const valueAt = m.index + all.length - value.length;
    const skip = (): void => { KV.lastIndex = valueAt; }; // look for assignments inside the value too
    if (!isSecretName(key)) { skip(); continue; }
    // `password: x` in prose is not a setting: a colon needs a quoted key or a key at a line start
    if (sep.includes(':') && !sep.includes('=') && q === '') {
      const lineStart = text.lastIndexOf('\n', m.index) + 1;
      if (!/^[ \t]*(- )?$/.test(text.slice(lineStart, m.index + lead.length))) { skip(); continue; }
    }
    // code, not configuration: `f(dsn=SENTRY_DSN, …)` names a variable (an identifier inside a call or dict)
    const before = text.slice(0, m.index + lead.length).replace(/[ \t]+$/, '').slice(-1);
    const lineSoFar = text.slice(text.lastIndexOf('\n', m.index) + 1, m.index + lead.length);
    const inCall = (lineSoFar.match(/\(/g)?.length ?? 0) > (lineSoFar.match(/\)/g)?.length ?? 0);
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(value) && inCall && (before === '(' || before === ',')) { skip(); continue; }
    const after = text[m.index + all.length];
    // a URL (its own positions), a reference, a call or an attribute: not a literal secret
    if (value.includes('://') || isReference(value) || after === '(' || after === '.' || after === '[') { skip(); continue; }
    const quote = /^["']/.test(value) ? value[0]! : '';
    out += text.slice(last, valueAt) + quote + MASK + quote;
    last = valueAt + value.length;
  }
  return out + text.slice(last);
}

function maskDirectives(text: string): string {
  return text
    // a directive (line start, after a quote or backtick, `config set`) or an option: not the word in prose
    .replace(/((?:^|\n|\\n|[`'"]|--|config set )[ \t]*(?:requirepass|masterauth)\b[ \t=]+)("[^"\n]*"|'[^'\n]*'|[^\s'"`]+)/gi, (all, head: string, value: string) => (isReference(value) ? all : `${head}${/^["']/.test(value) ? `${value[0]}${MASK}${value[0]}` : MASK}`))
    .replace(/((?:^|\n|\\n)[ \t]*(?:user|ACL SETUSER)[ \t][^\n]*)/gi, (line) => line.replace(/(\s)>([^\s'"]+)/g, `$1>${MASK}`))
    .replace(/(--(?:password|passwd|pass|token|secret|api-key|auth)(?:[ \t]+|=))("[^"\n]*"|'[^'\n]*'|[^\s'"-][^\s'"]*)/gi, (all, head: string, value: string) => (isReference(value) ? all : `${head}${MASK}`))
    .replace(/(\bredis-cli\b[^\n]*?[ \t]-a[ \t]+)([^\s'"]+)/g, (all, head: string, value: string) => (isReference(value) ? all : `${head}${MASK}`));
}

/** A token that reads like a credential, not a word: 8+ characters mixing letters and digits. */
const SECRET_LIKE = (v: string): boolean => v.length >= 8 && /[A-Za-z]/.test(v) && /\d/.test(v) && !isReference(v) && !v.includes('://');

// prose that quotes a credential: "… with password S3cr3t42 …", "token: ab12cd34ef" inside a message
// (an exception text, a log line); only a token that looks like a credential, never the next word
const PROSE = /\b(password|passwd|token|secret|api[ _-]?key)(:?[ \t]+(?:is[ \t]+)?|=)(["']?)([^\s'"`,;()<>]+)\3/gi;

function maskProse(text: string): string {
  return text.replace(PROSE, (all, word: string, sep: string, q: string, value: string) => (SECRET_LIKE(value.replace(/[.!?]+$/, '')) ? `${word}${sep}${q}${MASK}${/[.!?]+$/.exec(value)?.[0] ?? ''}${q}` : all));
}

/** Mask every credential position in text (URLs, secret-named assignments, directives, credentials quoted in prose). */
export function maskText(text: string): string {
  if (text.length === 0) return text;
  return maskProse(maskKeyValues(maskDirectives(maskUrls(text))));
}

/** The name every caller has used since the first version: the same one step (all credential positions,
 * not only URLs). */
export const maskUrlCredentials = maskText;

/** Deep copy of value with maskText applied to every string (keys are kept). */
export function maskDeep<T>(value: T): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return maskText(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/** Show a secret value as **** (its length and characters are not shown). */
export function maskSecret(value: string): string {
  return value.length === 0 ? '' : MASK;
}

/** A value whose key is known: the whole value when the key names a secret, else its credential positions. */
export function maskValue(key: string, value: string): string {
  if (isSecretKey(key) && !isReference(value)) {
    // keep a URL's structure visible, otherwise hide the value
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value.replace(/^['"]/, ''))) return maskText(value);
    const quote = /^(['"]).*\1$/s.test(value.trim()) ? value.trim()[0]! : '';
    return `${quote}${MASK}${quote}`;
  }
  return maskText(value);
}
