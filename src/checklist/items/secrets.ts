// Secrets: credentials in code, committed .env files, default/weak passwords in broker URLs.
// Detection reuses the audit (JC502, JC503); values are never carried into the checklist.
import type { Evidence, ItemDef } from '../types.js';
import { allEnvVars, findingEvidence, findings, locEvidence } from '../facts.js';
import { urlPassword } from '../../rules/lib/secrets.js';
import { maskUrlCredentials } from '../../util/mask.js';
import { allStrings } from '../../rules/lib/values.js';

/** Passwords that ship as defaults or top every leaked-password list (RabbitMQ's guest, redis' foobared). */
const WEAK = /^(guest|password\d*|passw0rd|pass|changeme|change[-_]?me|secret|redis|admin|root|test|celery|default|foobared|letmein|qwerty|1234\d*)$/i;
const MIN_LENGTH = 12;

export const credentialsInCode: ItemDef = {
  id: 'secrets.credentials-in-code',
  category: 'secrets',
  title: 'No credentials in code, compose files or committed .env files',
  severity: 'critical',
  howDetected: 'audit rule JC502: URL passwords, secret-named settings/constants (SMTP passwords, API keys) and compose environment values that are literals',
  fix: 'Read secrets from the environment or a secret store (`os.environ["CELERY_BROKER_URL"]`, compose `${REDIS_PASSWORD}`), then rotate every credential that was committed.',
  sources: [{ title: 'CWE-798: Use of hard-coded credentials', ref: 'https://cwe.mitre.org/data/definitions/798.html' }],
  detect(ctx) {
    const hits = findings(ctx, 'JC502');
    if (hits.length > 0) return { status: 'fail', detail: `${hits.length} literal credential${hits.length === 1 ? '' : 's'} in the repository (values not shown)`, evidence: hits.map(findingEvidence) };
    return { status: 'pass', detail: 'no literal passwords, API keys or URL credentials found in code, compose files or committed .env files' };
  },
};

export const envCommitted: ItemDef = {
  id: 'secrets.env-not-committed',
  category: 'secrets',
  title: 'No .env file with secrets is committed to git',
  severity: 'critical',
  howDetected: 'audit rule JC503: `.env*` files (templates exempt) that git tracks and that hold secret-looking values',
  fix: '`git rm --cached .env`, add it to .gitignore, keep a `.env.example` with placeholders, and rotate the secrets (git history keeps them).',
  sources: [{ title: 'GitHub docs: Removing sensitive data from a repository', ref: 'https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/removing-sensitive-data-from-a-repository' }],
  detect(ctx) {
    const hits = findings(ctx, 'JC503');
    if (hits.length > 0) return { status: 'fail', detail: `${hits.length} committed .env file${hits.length === 1 ? '' : 's'} with secrets`, evidence: hits.map(findingEvidence) };
    const real = ctx.model.envFiles.filter((e) => !/(example|sample|template|dist|defaults?)([.-]|$)/i.test(e.file.split('/').pop()!));
    if (real.some((e) => e.gitTracked === null)) {
      return { status: 'unconfirmed', detail: `not a git checkout: cannot tell whether ${real.map((e) => e.file).join(', ')} is committed`, evidence: real.map((e) => ({ file: e.file, line: 1, text: `${e.file} (${e.vars.length} variables)` })) };
    }
    return { status: 'pass', detail: real.length ? `${real.map((e) => e.file).join(', ')} not tracked by git` : 'no .env file with secrets is tracked by git' };
  },
};

export const weakBrokerPassword: ItemDef = {
  id: 'secrets.no-default-broker-password',
  category: 'secrets',
  title: 'No default or weak password in broker / result-backend URLs or redis.conf',
  severity: 'critical',
  howDetected: `broker and result-backend URLs from settings, .env files and compose, and redis.conf \`requirepass\`: literal passwords that are defaults (guest, foobared, changeme, …) or shorter than ${MIN_LENGTH} characters`,
  fix: 'Generate a long random password (e.g. `openssl rand -base64 32`), keep it in the secret store, and reference it as `${REDIS_PASSWORD}`.',
  sources: [{ title: 'Redis docs: Security — authentication', ref: 'https://redis.io/docs/latest/operate/oss_and_stack/management/security/' }],
  detect(ctx) {
    const evidence: Evidence[] = [];
    const weak = (pw: string): boolean => WEAK.test(pw) || pw.length < MIN_LENGTH;
    const urls: { url: string; loc: import('../../model/types.js').Location }[] = [];
    for (const s of ctx.settings) {
      if (!/^(broker_url|broker_read_url|broker_write_url|result_backend)$/.test(s.newName)) continue;
      for (const u of allStrings(s.assignment.value)) urls.push({ url: u, loc: s.assignment.loc });
    }
    for (const { v } of allEnvVars(ctx)) if (/:\/\//.test(v.value)) urls.push({ url: v.value, loc: v.loc });
    for (const { url, loc } of urls) {
      const pw = urlPassword(url);
      if (pw !== null && weak(pw)) evidence.push(locEvidence(loc, `${maskUrlCredentials(url)}: ${WEAK.test(pw) ? 'a well-known default password' : `a password shorter than ${MIN_LENGTH} characters`}`));
    }
    for (const conf of ctx.model.redisConfs) {
      for (const d of conf.directives) {
        if (d.name !== 'requirepass' || d.args.length === 0) continue;
        const pw = d.args[0]!;
        if (!/^\$\{?[A-Z_]/.test(pw) && weak(pw)) evidence.push(locEvidence(d.loc, `requirepass ****: ${WEAK.test(pw) ? 'a well-known default password' : `shorter than ${MIN_LENGTH} characters`}`));
      }
    }
    if (evidence.length > 0) return { status: 'fail', detail: `${evidence.length} weak or default password${evidence.length === 1 ? '' : 's'}`, evidence };
    return { status: 'pass', detail: 'no default or short literal password in broker/backend URLs or redis.conf' };
  },
};

export const secretItems: ItemDef[] = [credentialsInCode, envCommitted, weakBrokerPassword];
