// Secrets found in a project are never printed in full. Everything that renders a value passes it
// through here. Key patterns follow Celery's own masking (celery/app/utils.py HIDDEN_SETTINGS:
// API|TOKEN|KEY|SECRET|PASS|PROFANITIES_LIST|SIGNATURE|DATABASE) plus URL userinfo in any value.

const SECRET_KEY = /API|TOKEN|KEY|SECRET|PASS|PWD|SIGNATURE|CREDENTIAL|AUTH|DSN|PRIVATE/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Mask the password of every URL in text: redis://user:pw@host -> redis://user:****@host */
export function maskUrlCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)([^\s:@/'"]*):([^\s@/'"]+)@/gi, (_m, scheme: string, user: string) => `${scheme}${user}:****@`);
}

/** Show at most a hint of a secret: first 2 chars + length class, never the value. */
export function maskSecret(value: string): string {
  if (value.length === 0) return '';
  if (value.length <= 4) return '****';
  return `${value.slice(0, 2)}****`;
}

/** Mask a value that belongs to key (masks whole value for secret keys, URL userinfo always). */
export function maskValue(key: string, value: string): string {
  if (isSecretKey(key) && !/^\s*(['"]?)\$\{?[A-Z_][A-Z0-9_]*\}?\1\s*$/.test(value)) {
    // keep URL structure visible when the value is a URL, otherwise hide it
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value.replace(/^['"]/, ''))) return maskUrlCredentials(value);
    return maskSecret(value);
  }
  return maskUrlCredentials(value);
}
