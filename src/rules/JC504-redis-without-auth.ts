import type { Rule } from './types.js';
import { isRedisService } from './lib/broker.js';
import { confAcceptsOutside, confHasPassword, knownNotCeleryRedis, publishesRedisPort, serviceHasPassword } from './lib/redis-exposure.js';
import { isDevOnlyFile } from './lib/secrets.js';

export const rule: Rule = {
  meta: {
    id: 'JC504',
    name: 'redis-without-auth',
    band: 'security',
    severity: 'warning',
    confidence: 'medium',
    title: 'Redis broker without authentication (redis.conf or a published compose port)',
    description: 'Whoever can reach an unauthenticated Redis can read every task argument and result, delete queues, and publish tasks the workers will run (code execution if pickle is accepted). Redis only refuses outside connections by itself while `protected-mode` is on *and* no `bind`/password is configured; `bind 0.0.0.0` or a published container port without a password exposes it. Not reported in development-only files (`.devcontainer/`, `docker-compose.override.yml`, `compose.dev.yml`, `redis-local.conf`): an open Redis on a developer\'s machine is what they are for.',
    fix: 'Set `requirepass` (or ACL users with `user … on >password`) and bind Redis to a private interface; in compose, do not publish 6379 or bind it to 127.0.0.1.',
    sources: [
      { title: 'Redis security: authentication, protected mode', ref: 'https://redis.io/docs/latest/operate/oss_and_stack/management/security/' },
      { title: 'Celery docs: Security — broker access', ref: 'celery@v5.6.3:docs/userguide/security.rst' },
      { title: 'Compose file reference: ports short syntax ("3000" publishes on an ephemeral host port)', ref: 'https://docs.docker.com/reference/compose-file/services/#ports' },
    ],
  },
  check(ctx) {
    for (const conf of ctx.model.redisConfs) {
      // without a password Redis' protected mode (on by default) refuses outside connections unless the conf binds a public interface or turns it off
      if (confHasPassword(conf) || !confAcceptsOutside(conf)) continue;
      // a developer's machine (dev container, compose.dev.yml, redis-local.conf): an open local Redis is what it is for
      if (isDevOnlyFile(conf.file)) continue;
      const bind = conf.directives.filter((d) => d.name === 'bind').pop();
      const pm = conf.directives.filter((d) => d.name === 'protected-mode').pop();
      const why = [bind ? `binds ${bind.args.join(' ')}` : '', pm && /^no$/i.test(pm.args[0] ?? '') ? 'turns protected-mode off' : ''].filter(Boolean).join(' and ');
      ctx.report({ loc: { file: conf.file, line: 1, column: 1 }, key: conf.file, message: `${conf.file} sets no password (no requirepass, ACL user or aclfile) and ${why}: anyone who reaches it can read and publish tasks`, hint: 'add requirepass (from a secret) or ACL users' });
    }
    for (const svc of ctx.model.composeServices) {
      if (!isRedisService(svc) || serviceHasPassword(svc, ctx.model) || isDevOnlyFile(svc.file)) continue;
      if (knownNotCeleryRedis(svc, ctx.model, ctx.knowledge)) continue;
      for (const p of svc.ports) {
        const v = p.value.replace(/\/(tcp|udp)$/, '');
        if (/^(127\.0\.0\.1|localhost|\[::1\]):/.test(v)) continue;
        if (!publishesRedisPort(svc, p.value)) continue;
        // short syntax "6379" (container port only): Docker publishes it on an ephemeral host port
        const ephemeral = /^\d+(-\d+)?$/.test(v);
        const where = ephemeral ? `container port ${v} on an ephemeral (random) host port` : `on ${p.value}`;
        ctx.report({ loc: p.loc, key: `${svc.name}:${p.value}`, message: `compose service \`${svc.name}\` publishes Redis ${where} with no password: reachable from outside the host`, hint: 'drop the port mapping (services reach redis over the compose network) or bind it to 127.0.0.1, and give Redis a password (the requirepass directive, from a secret)' });
      }
    }
  },
};
