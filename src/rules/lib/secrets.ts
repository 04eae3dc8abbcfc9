// Finding literal secrets without ever returning them: callers get masked text only.
import { maskUrlCredentials } from '../../util/mask.js';

const SECRET_NAME = /(PASSWORD|PASSWD|PWD|SECRET|TOKEN|API_?KEY|PRIVATE_KEY|ACCESS_KEY|AUTH_KEY|DSN)(?![A-Z_]*(URL|ENDPOINT|TIMEOUT|EXPIRE|VALIDATORS|HASHERS|FILE|PATH|LENGTH|AGE|NAME|HEADER|TYPE|PREFIX|SALT_FIELD|FIELD|TEMPLATE|SUBJECT|CLASS))/i;
const URL_WITH_PASSWORD = /\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/'"]*:([^\s@/'"]+)@/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** A value that is a real literal secret, not a placeholder or a reference. */
export function isLiteralSecretValue(value: string): boolean {
  const v = value.trim();
  if (v.length < 6) return false;
  if (/^\$\{?[A-Za-z_]/.test(v) || /^<.*>$/.test(v) || /^\{\{.*\}\}$/.test(v) || /^%\(.*\)s$/.test(v)) return false;
  if (/^(change[-_ ]?me|changeme|your[-_].*|xxx+|\*+|example|placeholder|dummy|secret|password|none|null|todo)$/i.test(v)) return false;
  // prose, not a credential: INVALID_TOKEN = "Invalid or expired token." (three or more words)
  if (/^[A-Za-z'’,]+(\s+[A-Za-z'’,.!?]+){2,}$/.test(v)) return false;
  return true;
}

/** The password part of a URL when it is a literal (not ${VAR}); null otherwise. */
export function urlPassword(value: string): string | null {
  const m = URL_WITH_PASSWORD.exec(value);
  if (!m) return null;
  const pw = decodeURIComponent(m[1]!);
  if (/^\$\{?[A-Za-z_]|^%\(|^\{/.test(pw) || pw.length === 0) return null;
  return pw;
}

export function maskedUrl(value: string): string {
  return maskUrlCredentials(value);
}

/**
 * Files that only configure a developer's machine or a test run: dev containers (`.devcontainer/`,
 * any hidden `*-container/` workspace folder), `local/`/`dev/` folders, compose's auto-loaded
 * `docker-compose.override.yml`, Django settings modules named local/dev (`settings/local_dev.py`), and deploy
 * files whose name says dev/development/local/test (`compose-dev.yml`, `.env.local`, `redis-test.conf`). Literal credentials and open ports there are usually throw-away defaults,
 * so rules report them as info (or not at all), the same way for every rule and every line of one file.
 */
export function isDevOnlyFile(file: string): boolean {
  const parts = file.split('/');
  const name = parts.pop() ?? '';
  if (parts.some((d) => /^\.[\w-]*container$/i.test(d) || /^(local|dev|development)$/i.test(d))) return true;
  if (/^docker-compose\.override\.ya?ml$|^compose\.override\.ya?ml$/i.test(name)) return true;
  // settings modules of a developer's machine: settings/local.py, settings/dev.py, settings/local_dev.py
  if (/\.py$/.test(name) && parts.some((d) => /settings$/i.test(d)) && /^(local|dev|development)([_-]\w+)?\.py$|^\w+_(local|dev|development)\.py$/i.test(name)) return true;
  const deployFile = /\.(ya?ml|env|conf)$/i.test(name) || /^\.?env([.\-_]|$)/i.test(name);
  return deployFile && /(^|[.\-_])(dev|development|local|test|testing)([.\-_]|$)/i.test(name);
}
