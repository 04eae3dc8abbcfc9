import semver from 'semver';
import type { Rule } from './types.js';
import { npmVersion } from '../model/typescript/npm-versions.js';

export const rule: Rule = {
  meta: {
    id: 'JC311',
    name: 'bullmq-ioredis-peer-version',
    band: 'versions',
    severity: 'warning',
    confidence: 'medium',
    title: 'ioredis older than BullMQ 6 supports (peer dependency ioredis >= 5.0.0)',
    description: `BullMQ 6 no longer bundles ioredis: it declares \`ioredis >= 5.0.0\` as an optional peer dependency and wraps the instance you pass. A project that pins ioredis 4 (often pulled in for celery-node or an old cache client) next to BullMQ 6 runs BullMQ against a client API it does not support.`,
    fix: 'Upgrade ioredis to 5.x (or newer) when using BullMQ 6.',
    sources: [
      { title: 'BullMQ package.json peerDependencies: ioredis >=5.0.0', ref: 'taskforcesh/bullmq@v6.2.0:package.json' },
      { title: 'BullMQ docs, Connections: ioredis adapter', ref: 'taskforcesh/bullmq@v6.2.0:docs/gitbook/guide/connections.md' },
    ],
  },
  check(ctx) {
    const ts = ctx.model.ts;
    if (!ts) return;
    const bull = npmVersion(ts, 'bullmq');
    const ioredis = npmVersion(ts, 'ioredis');
    if (!bull || !ioredis || semver.lt(bull.version, '6.0.0') || semver.gte(ioredis.version, '5.0.0')) return;
    ctx.report({
      loc: ioredis.loc,
      message: `ioredis ${ioredis.version} with BullMQ ${bull.version}: BullMQ 6 requires ioredis >= 5.0.0 (peer dependency)`,
      hint: 'upgrade ioredis to ^5',
    });
  },
};
