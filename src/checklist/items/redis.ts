// Redis hardening, from redis.conf, the compose Redis service and the broker URLs.
// A project whose Redis is managed elsewhere (no redis.conf, no compose service) gets ❓ and is asked.
import type { DetectContext, Detection, Evidence, ItemDef } from '../types.js';
import type { ComposeService, RedisConf, RedisConfDirective } from '../../model/types.js';
import { findingEvidence, findings, locEvidence, redisServices, setting, settingEvidence, allEnvVars, envEvidence } from '../facts.js';
import { brokerUrls, usesRedisBroker } from '../../rules/lib/broker.js';
import { maskUrlCredentials } from '../../util/mask.js';

const REDIS_SECURITY = { title: 'Redis docs: Security', ref: 'https://redis.io/docs/latest/operate/oss_and_stack/management/security/' };
const REDIS_ACL = { title: 'Redis docs: ACL', ref: 'https://redis.io/docs/latest/operate/oss_and_stack/management/security/acl/' };

interface RedisFacts {
  confs: RedisConf[];
  services: ComposeService[];
  /** broker/backend URLs known to the project (settings, .env, compose) */
  urls: string[];
  /** Redis is in play at all: a redis:// broker, a redis.conf or a compose Redis */
  used: boolean;
}

function facts(ctx: DetectContext): RedisFacts {
  const confs = ctx.model.redisConfs;
  const services = redisServices(ctx);
  const urls = brokerUrls(ctx.model, ctx.knowledge);
  const backend = setting(ctx, 'result_backend');
  if (backend?.assignment.value.kind === 'str') urls.push(backend.assignment.value.value);
  return { confs, services, urls, used: confs.length > 0 || services.length > 0 || usesRedisBroker(ctx.model, ctx.knowledge) };
}

function directives(conf: RedisConf, name: string): RedisConfDirective[] {
  return conf.directives.filter((d) => d.name === name);
}
function dEvidence(d: RedisConfDirective, args = d.args.join(' ')): Evidence {
  return locEvidence(d.loc, `${d.name} ${args}`.trim());
}
/** `redis-server --requirepass x` style options given on the compose command line */
function cmdHas(svc: ComposeService, re: RegExp): boolean {
  return re.test(svc.command ?? '');
}
function svcEvidence(svc: ComposeService, what: string): Evidence {
  return locEvidence(svc.loc, `service ${svc.name}: ${what}`);
}
const notUsed: Detection = { status: 'na', detail: 'the project does not use Redis (no redis:// broker, redis.conf or compose Redis service)' };
const managed = (what: string): Detection => ({ status: 'unconfirmed', detail: `Redis is configured outside this repository (no redis.conf, no compose Redis service): confirm ${what}` });

export const redisAuth: ItemDef = {
  id: 'redis.auth',
  category: 'redis',
  title: 'Redis requires authentication (requirepass or ACL users)',
  severity: 'critical',
  howDetected: 'redis.conf `requirepass` / `user` / `aclfile`, compose `--requirepass`, and audit rule JC504',
  fix: 'Set `requirepass` (or ACL users with `user default off`) from a secret, and put the password in the broker URL via the environment: `redis://:${REDIS_PASSWORD}@redis:6379/0`.',
  sources: [REDIS_SECURITY, REDIS_ACL],
  detect(ctx) {
    const f = facts(ctx);
    if (!f.used) return notUsed;
    const open = findings(ctx, 'JC504');
    if (open.length > 0) return { status: 'fail', detail: 'Redis accepts connections without a password', evidence: open.map(findingEvidence) };
    const ok: Evidence[] = [];
    for (const conf of f.confs) for (const d of conf.directives) if (d.name === 'requirepass') ok.push(dEvidence(d, '****'));
    else if (d.name === 'aclfile' || d.name === 'user') ok.push(dEvidence(d, d.name === 'user' ? d.args.slice(0, 2).join(' ') : d.args.join(' ')));
    for (const svc of f.services) if (cmdHas(svc, /--requirepass|--aclfile/)) ok.push(svcEvidence(svc, 'redis-server --requirepass …'));
    const unauthenticated = f.services.filter((s) => !cmdHas(s, /--requirepass|--aclfile|\.conf\b/));
    if (unauthenticated.length > 0 && ok.length === 0) {
      return { status: 'fail', detail: `compose service ${unauthenticated.map((s) => `\`${s.name}\``).join(', ')} runs Redis without a password (anything on its network can read and publish tasks)`, evidence: unauthenticated.map((s) => svcEvidence(s, `image ${s.image ?? '?'}, no --requirepass`)) };
    }
    if (ok.length > 0) return { status: 'pass', detail: 'Redis requires a password / ACL user', evidence: ok };
    const withPw = f.urls.filter((u) => /^(redis|rediss|valkey):\/\/[^@/]*:[^@/]+@/i.test(u));
    if (withPw.length > 0) return { status: 'pass', detail: `the broker URL authenticates (${maskUrlCredentials(withPw[0]!)}); Redis refuses AUTH when no password is set, so the server requires one` };
    return managed('that AUTH/ACLs are enabled');
  },
};

export const redisNetwork: ItemDef = {
  id: 'redis.network',
  category: 'redis',
  title: 'Redis is not reachable from outside (bind, protected-mode, no public port mapping)',
  severity: 'critical',
  howDetected: 'redis.conf `bind` / `protected-mode`, compose `ports:` of the Redis service (anything not bound to 127.0.0.1/::1 is public)',
  fix: 'Drop the compose `ports:` entry (services reach Redis over the compose network) or bind it to `127.0.0.1:6379:6379`; in redis.conf bind private addresses only and keep `protected-mode yes`.',
  sources: [REDIS_SECURITY],
  detect(ctx) {
    const f = facts(ctx);
    if (!f.used) return notUsed;
    const bad: Evidence[] = [];
    const good: Evidence[] = [];
    for (const svc of f.services) {
      const published = svc.ports.filter((p) => !/^(127\.0\.0\.1|localhost|\[?::1\]?):/.test(p.value.replace(/\/(tcp|udp)$/, '')));
      for (const p of published) bad.push(locEvidence(p.loc, `service ${svc.name} publishes ${p.value} on every interface`));
      if (published.length === 0) good.push(svcEvidence(svc, svc.ports.length ? `ports bound to loopback (${svc.ports.map((p) => p.value).join(', ')})` : 'no published ports'));
    }
    for (const conf of f.confs) {
      const hasAuth = conf.directives.some((d) => d.name === 'requirepass' || d.name === 'user' || d.name === 'aclfile');
      const pm = directives(conf, 'protected-mode').pop();
      const bind = directives(conf, 'bind').pop();
      const wildcard = bind ? bind.args.some((a) => /^-?(0\.0\.0\.0|\*|::|::\*)$/.test(a)) : false;
      if (pm && /^no$/i.test(pm.args[0] ?? '') && !hasAuth) bad.push(dEvidence(pm, `${pm.args.join(' ')} without a password`));
      if (wildcard && !hasAuth) bad.push(dEvidence(bind!, `${bind!.args.join(' ')} (every interface) without a password`));
      else if (wildcard) bad.push(dEvidence(bind!, `${bind!.args.join(' ')} (every interface)`));
      else if (bind) good.push(dEvidence(bind));
      if (!bind) good.push(locEvidence({ file: conf.file, line: 1, column: 1 }, 'no bind: Redis listens on loopback only unless protected-mode is off'));
    }
    if (bad.length > 0) return { status: 'fail', detail: 'Redis is reachable from outside its host/network', evidence: bad };
    if (good.length > 0) return { status: 'pass', detail: 'Redis listens on loopback / private addresses only', evidence: good };
    return managed('that Redis is reachable only from the workers\' private network');
  },
};

const DANGEROUS = ['FLUSHALL', 'FLUSHDB', 'CONFIG', 'DEBUG', 'KEYS', 'SHUTDOWN'];

export const redisDangerousCommands: ItemDef = {
  id: 'redis.dangerous-commands',
  category: 'redis',
  title: 'Dangerous Redis commands renamed or denied by ACL (FLUSHALL, FLUSHDB, CONFIG, DEBUG)',
  severity: 'medium',
  howDetected: 'redis.conf `rename-command` for FLUSHALL/FLUSHDB/CONFIG/DEBUG, or ACL users that deny `@dangerous`/`@admin` with the default user off',
  fix: 'Give the Celery user an ACL without `@dangerous`/`@admin` (`user celery on >… ~* &* +@all -@dangerous -@admin`, `user default off`), or `rename-command FLUSHALL ""` (and FLUSHDB, CONFIG, DEBUG) in redis.conf.',
  sources: [REDIS_ACL, { title: 'Redis docs: Security — disallowing specific commands', ref: 'https://redis.io/docs/latest/operate/oss_and_stack/management/security/' }],
  detect(ctx) {
    const f = facts(ctx);
    if (!f.used) return notUsed;
    const good: Evidence[] = [];
    const missing: Evidence[] = [];
    for (const conf of f.confs) {
      const renamed = directives(conf, 'rename-command').filter((d) => DANGEROUS.includes((d.args[0] ?? '').toUpperCase()));
      const aclDeny = directives(conf, 'user').filter((d) => d.args[0] !== 'default' && d.args.some((a) => /^-@(dangerous|admin)$/i.test(a)));
      const defaultOff = directives(conf, 'user').some((d) => d.args[0] === 'default' && d.args.includes('off'));
      const usersFile = directives(conf, 'aclfile');
      if (renamed.length > 0) good.push(...renamed.map((d) => dEvidence(d)));
      if (aclDeny.length > 0 && defaultOff) good.push(...aclDeny.map((d) => dEvidence(d, `${d.args[0]} … ${d.args.filter((a) => /^-@/.test(a)).join(' ')}`)));
      if (usersFile.length > 0) good.push(...usersFile.map((d) => dEvidence(d, `${d.args.join(' ')} (ACL rules in that file; check it denies @dangerous)`)));
      if (renamed.length === 0 && !(aclDeny.length > 0 && defaultOff) && usersFile.length === 0) missing.push(locEvidence({ file: conf.file, line: 1, column: 1 }, `${conf.file}: no rename-command and no restricting ACL`));
    }
    for (const svc of f.services) {
      if (cmdHas(svc, /--rename-command|--aclfile|\.conf\b/)) good.push(svcEvidence(svc, 'commands restricted on the command line / by its config file'));
      else missing.push(svcEvidence(svc, 'stock Redis image: every command (FLUSHALL, CONFIG, DEBUG) is allowed'));
    }
    if (good.length === 0 && missing.length > 0) return { status: 'fail', detail: 'any client that connects can FLUSHALL the queues or rewrite the config', evidence: missing };
    if (good.length > 0) return { status: 'pass', detail: 'dangerous commands are renamed or denied', evidence: [...good, ...missing.filter((m) => !/stock Redis image/.test(m.text))] };
    return managed('that FLUSHALL/FLUSHDB/CONFIG/DEBUG are renamed or ACL-denied');
  },
};

export const redisTls: ItemDef = {
  id: 'redis.tls',
  settings: ['broker_use_ssl', 'redis_backend_use_ssl', 'broker_url', 'result_backend'],
  category: 'redis',
  title: 'Broker traffic uses TLS (rediss://, tls-port)',
  severity: 'medium',
  howDetected: 'broker/backend URLs from settings, .env files and compose (`rediss://`), `broker_use_ssl` / `redis_backend_use_ssl`, redis.conf `tls-port`',
  fix: 'Enable TLS on Redis (`tls-port 6380`, `tls-cert-file`, `tls-key-file`, `tls-ca-cert-file`; `port 0` to turn plain TCP off) and use `rediss://…?ssl_cert_reqs=required` URLs with `broker_use_ssl`.',
  sources: [{ title: 'Redis docs: TLS', ref: 'https://redis.io/docs/latest/operate/oss_and_stack/management/security/encryption/' }, { title: 'Celery docs: broker_use_ssl / redis_backend_use_ssl', ref: 'celery@v5.6.3:docs/userguide/configuration.rst' }]
  ,
  detect(ctx) {
    const f = facts(ctx);
    if (!f.used) return notUsed;
    const good: Evidence[] = [];
    for (const name of ['broker_use_ssl', 'redis_backend_use_ssl']) {
      const s = setting(ctx, name);
      if (s && s.assignment.value.kind !== 'none' && !(s.assignment.value.kind === 'bool' && !s.assignment.value.value)) good.push(settingEvidence(s));
    }
    for (const conf of f.confs) for (const d of directives(conf, 'tls-port')) if (Number(d.args[0]) > 0) good.push(dEvidence(d));
    const tlsUrls = allEnvVars(ctx).filter(({ v }) => /^rediss:\/\//i.test(v.value.trim()));
    good.push(...tlsUrls.map(({ v }) => envEvidence(v)));
    for (const s of ctx.settings) if (/^(broker_url|result_backend)$/.test(s.newName) && s.assignment.value.kind === 'str' && /^rediss:/i.test(s.assignment.value.value)) good.push(settingEvidence(s));
    if (good.length > 0) return { status: 'pass', detail: 'TLS is configured for Redis', evidence: good };
    const plain = f.urls.filter((u) => /^redis:\/\//i.test(u.trim()));
    if (plain.length > 0) {
      const ev: Evidence[] = [];
      for (const { v } of allEnvVars(ctx)) if (plain.includes(v.value)) ev.push(envEvidence(v));
      for (const s of ctx.settings) if (/^(broker_url|result_backend)$/.test(s.newName)) ev.push(settingEvidence(s));
      return { status: 'fail', detail: `plain-text Redis URL${plain.length === 1 ? '' : 's'} (${plain.map(maskUrlCredentials).join(', ')}): task arguments, results and the password cross the network unencrypted`, evidence: ev };
    }
    return { status: 'unconfirmed', detail: 'the broker URL is not in the repository: confirm production uses rediss:// (TLS)' };
  },
};

export const redisPersistence: ItemDef = {
  id: 'redis.persistence',
  category: 'redis',
  title: 'Redis persists queued messages (AOF), so a restart does not drop tasks',
  severity: 'medium',
  howDetected: 'redis.conf `appendonly` / `save`, compose `redis-server --appendonly yes`',
  fix: 'Turn on AOF for a broker Redis (`appendonly yes`, `appendfsync everysec`) on a persistent volume; RDB snapshots alone lose every task queued since the last snapshot.',
  sources: [{ title: 'Redis docs: Persistence (RDB vs AOF)', ref: 'https://redis.io/docs/latest/operate/oss_and_stack/management/persistence/' }],
  detect(ctx) {
    const f = facts(ctx);
    if (!f.used) return notUsed;
    const good: Evidence[] = [];
    const weak: Evidence[] = [];
    for (const conf of f.confs) {
      const aof = directives(conf, 'appendonly').pop();
      if (aof && /^yes$/i.test(aof.args[0] ?? '')) good.push(dEvidence(aof));
      else weak.push(aof ? dEvidence(aof) : locEvidence({ file: conf.file, line: 1, column: 1 }, `${conf.file}: appendonly not set (default no: RDB snapshots only)`));
    }
    for (const svc of f.services) {
      if (cmdHas(svc, /--appendonly["',\s]+yes/)) good.push(svcEvidence(svc, 'redis-server --appendonly yes'));
      else if (!cmdHas(svc, /\.conf\b/)) weak.push(svcEvidence(svc, 'stock Redis image: RDB snapshots only (appendonly no)'));
    }
    if (good.length > 0 && weak.length === 0) return { status: 'pass', detail: 'AOF persistence is on', evidence: good };
    if (weak.length > 0) return { status: 'warn', detail: 'Redis keeps queued tasks in memory with RDB snapshots only: a crash loses what was queued since the last snapshot', evidence: [...weak, ...good] };
    return managed('AOF persistence (appendonly yes) on the broker Redis');
  },
};

export const redisItems: ItemDef[] = [redisAuth, redisNetwork, redisDangerousCommands, redisTls, redisPersistence];
