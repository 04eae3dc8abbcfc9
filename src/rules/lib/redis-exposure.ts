// Is a Redis that jobctl sees in a deploy file reachable without a password, and is it Celery's?
// Shared by JC504. Each answer is conservative: "protected" or "not Celery's" only on evidence read.
import type { ComposeService, ProjectModel, PyValue, RedisConf } from '../../model/types.js';
import type { Knowledge } from '../../knowledge/types.js';
import { brokerUrls, settingUrls } from './broker.js';
import { settingState } from './fact-state.js';
import { isTestFile } from './settings.js';

const REDIS_SCHEME = /^(redis|rediss|sentinel|redis\+socket|valkey):\/\//i;
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|-?::1|localhost)$/i;

/** the conf sets a password (requirepass, an ACL user, an aclfile) */
export function confHasPassword(conf: RedisConf): boolean {
  return conf.directives.some((d) => d.name === 'requirepass' || d.name === 'aclfile' || d.name === 'user');
}

/**
 * Redis accepts outside connections with this conf: it binds a non-loopback address, or turns protected
 * mode off. Without `bind` and with protected mode on (Redis' default), an instance without a password
 * only accepts loopback connections (redis.conf: "protected-mode yes" — the default).
 */
export function confAcceptsOutside(conf: RedisConf): boolean {
  const pm = conf.directives.filter((d) => d.name === 'protected-mode').pop();
  if (pm && /^no$/i.test(pm.args[0] ?? '')) return true;
  const bind = conf.directives.filter((d) => d.name === 'bind').pop();
  return !!bind && bind.args.some((a) => !LOOPBACK.test(a));
}

/**
 * The service's Redis asks for a password: `--requirepass`/`--aclfile` on its command, a password given
 * through the image's environment (bitnami `REDIS_PASSWORD`, `REDIS_ARGS="--requirepass …"`), or a
 * redis.conf of the project that sets one while the service builds its own image or starts from a conf file.
 */
export function serviceHasPassword(svc: ComposeService, model: ProjectModel): boolean {
  if (/--requirepass|--aclfile/.test(svc.command ?? '')) return true;
  for (const e of svc.environment) {
    if (/PASSWORD/i.test(e.key) && !/ALLOW_EMPTY_PASSWORD/i.test(e.key) && e.value && e.value.trim() !== '') return true;
    if (/--requirepass|--aclfile/.test(e.value ?? '')) return true;
  }
  const startsFromConf = svc.image === null || /\.conf\b/.test(svc.command ?? '');
  return startsFromConf && model.redisConfs.some(confHasPassword);
}

/** the container port a mapping publishes ('6379:6379' → 6379, '${P:-6379}:6380' → 6380, '6379' → 6379) */
function containerPort(mapping: string): number | null {
  const v = mapping.replace(/\/(tcp|udp)$/, '');
  const last = v.split(':').pop() ?? '';
  return /^\d+$/.test(last) ? Number(last) : null;
}

/** the port redis-server listens on inside the container (`--port N` on its command, else 6379) */
function redisPort(svc: ComposeService): number {
  const m = /--port[=\s]+(\d+)/.exec(svc.command ?? '');
  return m ? Number(m[1]) : 6379;
}

/** the mapping publishes the port Redis listens on (a mapping to another container port publishes nothing of Redis) */
export function publishesRedisPort(svc: ComposeService, mapping: string): boolean {
  const port = containerPort(mapping);
  return port === null || port === redisPort(svc);
}

function host(url: string): string | null {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/?#]+)/i.exec(url.trim());
  return m ? m[1]!.toLowerCase() : null;
}

/** an env file for the test suite (.env.test, .env.ci, tests/.env): the Celery it configures runs the tests, not a deployment */
export function isTestEnvFile(file: string): boolean {
  return isTestFile(file) || /(^|\/)(\.env[._-](test|testing|ci)([._-][^/]*)?|(test|testing|ci)\.env)$/i.test(file);
}

/** every broker URL is written out in full with a scheme that is not Redis (amqp://rabbitmq, sqs://, django://) */
function brokerIsAnotherService(brokers: string[]): boolean {
  return brokers.length > 0 && brokers.every((u) => /^[a-z][a-z0-9+.-]*:\/\//i.test(u.trim()) && !REDIS_SCHEME.test(u.trim()) && !/\$\{?[A-Za-z_]|\{\{/.test(u));
}

/** the result backend comes from an env var given no value by any file read, with no default (or None): no URL to follow */
function backendFromUnsetEnv(value: PyValue): boolean {
  return value.kind === 'env' && (value.default === undefined || value.default.kind === 'none');
}

/** a Redis URL that can reach this service: its name, loopback through the published port, the Docker host */
function reaches(url: string, svc: ComposeService): boolean {
  const h = host(url);
  return h === null || h === svc.name.toLowerCase() || LOOPBACK.test(h) || h === 'host.docker.internal';
}

/**
 * Celery's broker and result backend are known and none of them is a Redis URL that can reach this
 * service (its name, or loopback through the published port): this Redis is something else (a cache).
 * Unknown when a URL was not read (env var without a value, unread config) — then it is not "not Celery's".
 * One exception: when the broker is provably another service (every broker URL is amqp://…, sqs://…) and the
 * result backend is an env var that no file read gives a value (nor any other Celery-named variable a Redis
 * URL to this service), nothing Celery-related points to this Redis. Test env files (.env.test) configure the
 * test suite's Celery, not a deployment's, and do not count either way.
 */
export function knownNotCeleryRedis(svc: ComposeService, model: ProjectModel, k: Knowledge): boolean {
  const brokers = brokerUrls(model, k, { skipEnvFile: isTestEnvFile });
  if (brokers.length === 0) return false;
  const backendState = settingState(model, k, 'result_backend');
  if (backendState.state === 'unknown') return false;
  const backends = backendState.state === 'known' ? settingUrls(model, k, ['result_backend'], 'CELERY_RESULT_BACKEND', { skipEnvFile: isTestEnvFile }) : [];
  if (backendState.state === 'known' && backends.length === 0) {
    if (!backendFromUnsetEnv(backendState.value.assignment.value) || !brokerIsAnotherService(brokers) || celeryVarReaches(svc, model)) return false;
  }
  const urls = [...brokers, ...backends];
  if (urls.some((u) => /\$\{?[A-Za-z_]|\{\{/.test(u))) return false;
  for (const u of urls) {
    if (!/:\/\//.test(u)) { if (/^redis/i.test(u.trim())) return false; continue; } // 'redis' alias, env-driven
    if (!REDIS_SCHEME.test(u.trim())) continue;
    if (reaches(u, svc)) return false;
  }
  return true;
}

/** some Celery-named variable (CELERY_*, *BROKER*, *RESULT_BACKEND*) outside the test env files holds a Redis URL reaching this service */
function celeryVarReaches(svc: ComposeService, model: ProjectModel): boolean {
  return model.envAssignments.some((e) => /CELERY|BROKER|RESULT_BACKEND/i.test(e.key) && !isTestEnvFile(e.file)
    && (/\$\{?[A-Za-z_]|\{\{/.test(e.value) || (REDIS_SCHEME.test(e.value.trim()) && reaches(e.value, svc))));
}
