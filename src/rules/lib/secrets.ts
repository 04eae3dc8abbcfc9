// Finding literal secrets without ever returning them: callers get masked text only.
import { isSecretName, maskText, urlPassword } from '../../util/mask.js';

export { isSecretName, urlPassword };


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

export function maskedUrl(value: string): string {
  return maskText(value);
}

/**
 * Files that only configure a developer's machine (dev containers, *.dev/*.local compose and env files):
 * literal credentials there are usually throw-away defaults, so they are reported as info, not errors.
 */
export function isDevOnlyFile(file: string): boolean {
  return /(^|\/)\.devcontainer\//.test(file) || /(^|\/)[^/]*[.-](dev|development|local)(\.[\w-]+)*\.(ya?ml|env)$/i.test(file) || /(^|\/)\.env\.(dev|development|local)$/i.test(file);
}
