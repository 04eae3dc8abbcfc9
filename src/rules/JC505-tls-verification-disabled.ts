import type { Rule } from './types.js';
import type { Location, PyValue } from '../model/types.js';
import { effectiveSettings } from './lib/settings.js';
import { allStrings } from './lib/values.js';
import { maskUrlCredentials } from '../util/mask.js';
import { tokenAt } from './lib/source.js';

/** Settings whose dict is handed to the TLS layer of the broker / result-backend connection. */
const SSL_SETTINGS = new Set(['broker_use_ssl', 'redis_backend_use_ssl']);
const URL_SETTINGS = new Set(['broker_url', 'result_backend', 'broker_read_url', 'broker_write_url']);
/** CERT_NONE spelled as the ssl constant, its name, redis-py's string form, or its value (0) */
const CERT_NONE = /^(ssl\.)?CERT_NONE$|^none$/i;

export const rule: Rule = {
  meta: {
    id: 'JC505',
    name: 'tls-verification-disabled',
    band: 'security',
    severity: 'warning',
    confidence: 'high',
    title: 'TLS to the broker or result backend without certificate verification (`ssl_cert_reqs=CERT_NONE`)',
    description: `\`rediss://\` and \`amqps://\` encrypt the connection, but with \`ssl_cert_reqs\`/\`cert_reqs\` set to \`CERT_NONE\` (in \`broker_use_ssl\`, \`redis_backend_use_ssl\`, or \`?ssl_cert_reqs=none\` in the URL) the client accepts any certificate: whoever can intercept the connection (a compromised network hop, DNS, a rogue proxy) can present their own certificate, read every task argument and the broker password, and inject tasks. It is the usual copy-pasted fix for \`ValueError: A rediss:// URL must have parameter ssl_cert_reqs…\` and for managed Redis with a private CA. Celery's docs use \`CERT_REQUIRED\` in their examples; py-amqp validates server certificates by default since Celery 5.1 (kombu 5.1). \`CERT_OPTIONAL\` is not reported: on the client side Python treats it like \`CERT_REQUIRED\`.`,
    fix: 'Use `ssl_cert_reqs=ssl.CERT_REQUIRED` (or `?ssl_cert_reqs=required`) and, for a private CA (managed Redis), point `ssl_ca_certs` at the provider\'s CA bundle instead of turning verification off.',
    examples: {
      bad: "app = Celery('proj', broker_use_ssl={'ssl_cert_reqs': ssl.CERT_NONE})",
      good: "app = Celery('proj', broker_use_ssl={'ssl_cert_reqs': ssl.CERT_REQUIRED, 'ssl_ca_certs': '/etc/ssl/certs/provider-ca.pem'})",
    },
    sources: [
      { title: 'Celery docs, Configuration: broker_use_ssl / redis_backend_use_ssl (ssl_cert_reqs)', ref: 'celery@v5.6.3:docs/userguide/configuration.rst' },
      { title: 'What\'s new in Celery 5.1: py-amqp validates server certificates by default', ref: 'celery@v5.6.3:docs/history/whatsnew-5.1.rst' },
      { title: 'Python docs: ssl.CERT_NONE / CERT_OPTIONAL (client side: same as CERT_REQUIRED)', ref: 'https://docs.python.org/3/library/ssl.html#ssl.CERT_NONE' },
      { title: 'CWE-295: Improper Certificate Validation', ref: 'https://cwe.mitre.org/data/definitions/295.html' },
    ],
  },
  check(ctx) {
    const reported = new Set<string>();
    const report = (loc: Location, what: string): void => {
      const k = `${loc.file}:${loc.line}`;
      if (reported.has(k)) return;
      reported.add(k);
      ctx.report({ loc, key: k, message: `${what}: the connection is encrypted but any certificate is accepted, so whoever can intercept it can read and inject tasks`, hint: 'use ssl.CERT_REQUIRED with ssl_ca_certs pointing at the server\'s CA' });
    };
    for (const s of effectiveSettings(ctx.model, ctx.knowledge)) {
      const a = s.assignment;
      // the line of the CERT_NONE entry / the URL's ssl_cert_reqs=none when the value spans lines (a dict over lines)
      const at = (token: RegExp): Location => tokenAt(ctx.model, a.keyLoc, token, a.loc.endLine ?? a.loc.line);
      if (SSL_SETTINGS.has(s.newName) && certNone(a.value)) report(at(/\bCERT_NONE\b|cert_reqs/i), `\`${a.name}\` sets cert_reqs to CERT_NONE`);
      if (URL_SETTINGS.has(s.newName)) for (const v of allStrings(a.value)) if (urlDisablesVerification(v)) report(at(/[?&](ssl_)?cert_reqs=/i), `\`${a.name}\` (${maskUrlCredentials(v)}) turns certificate verification off`);
    }
    // deploy files: CELERY_BROKER_URL=rediss://…?ssl_cert_reqs=none in compose / .env
    for (const svc of ctx.model.composeServices) for (const e of svc.environment) if (urlDisablesVerification(e.value)) report(e.loc, `service \`${svc.name}\`: \`${e.key}\` turns certificate verification off`);
    for (const env of ctx.model.envFiles) for (const v of env.vars) if (urlDisablesVerification(v.value)) report(v.loc, `\`${v.key}\` in ${env.file} turns certificate verification off`);
  },
};

function certNone(v: PyValue): boolean {
  if (v.kind !== 'dict') return false;
  for (const e of v.entries) {
    const key = e.key.kind === 'str' ? e.key.value : '';
    if (key !== 'ssl_cert_reqs' && key !== 'cert_reqs') continue;
    const val = e.value;
    if (val.kind === 'name' && CERT_NONE.test(val.dotted)) return true;
    if (val.kind === 'expr' && CERT_NONE.test(val.text.trim())) return true;
    if (val.kind === 'str' && CERT_NONE.test(val.value)) return true;
    if (val.kind === 'num' && val.value === 0) return true;
  }
  return false;
}

function urlDisablesVerification(url: string): boolean {
  return /^(rediss|amqps|sentinel|redis\+sentinel|pyamqp)s?:\/\//i.test(url.trim()) && /[?&](ssl_cert_reqs|cert_reqs)=(none|CERT_NONE)\b/i.test(url);
}
