// redis.conf (and valkey.conf): one directive per line, arguments split the way Redis does
// (double quotes with escapes, single quotes). Directive names are case-insensitive.
import type { RedisConfDirective } from '../types.js';
import type { Integration } from './types.js';
import { basename, loc } from './text.js';

export function isRedisConf(rel: string): boolean {
  const name = basename(rel);
  if (/^(redis|valkey|keydb|sentinel)[\w.-]*\.conf$/i.test(name)) return true;
  return /(^|\/)(redis|valkey)[^/]*\/[^/]+\.conf$/i.test(rel);
}

function splitArgs(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? m[3]!));
  return out;
}

export const redisConfIntegration: Integration = {
  id: 'redis-conf',
  kind: 'redis-conf',
  matches: isRedisConf,
  read(file, model) {
    const directives: RedisConfDirective[] = [];
    const lines = file.text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const t = lines[i]!.trim();
      if (!t || t.startsWith('#')) continue;
      const [name, ...args] = splitArgs(t);
      if (!name) continue;
      directives.push({ name: name.toLowerCase(), args, loc: loc(file.file, i + 1) });
    }
    model.redisConfs.push({ file: file.file, directives });
  },
};
