// What broker the project uses, from settings, constructor args, env defaults, .env files and compose.
import type { ComposeService, ProjectModel } from '../../model/types.js';
import type { Knowledge } from '../../knowledge/types.js';
import { effectiveSettings } from './settings.js';
import { allStrings } from './values.js';

export function brokerUrls(model: ProjectModel, k: Knowledge, opts: { skipEnvFile?: (file: string) => boolean } = {}): string[] {
  return settingUrls(model, k, ['broker_url', 'broker_read_url', 'broker_write_url'], 'CELERY_BROKER_URL', opts);
}

/** The string values the settings `names` take, from config and from the env vars they read (or `envOverride`). */
export function settingUrls(model: ProjectModel, k: Knowledge, names: string[], envOverride: string, opts: { skipEnvFile?: (file: string) => boolean } = {}): string[] {
  const out: string[] = [];
  const envNames: string[] = [];
  for (const s of effectiveSettings(model, k)) {
    if (!names.includes(s.newName)) continue;
    out.push(...allStrings(s.assignment.value));
    const v = s.assignment.value;
    if (v.kind === 'env') envNames.push(v.name);
    if (v.kind === 'name') envNames.push(v.dotted.split('.').pop()!);
  }
  // CELERY_BROKER_URL (CELERY_RESULT_BACKEND) in the environment overrides the config in every mode (celery/app/utils.py Settings)
  envNames.push(envOverride);
  const env = [...model.envFiles.filter((e) => !opts.skipEnvFile?.(e.file)).flatMap((e) => e.vars), ...model.composeServices.flatMap((s) => s.environment)];
  for (const name of envNames) for (const v of env) if (v.key === name && v.value) out.push(v.value);
  return [...new Set(out)];
}

const REDIS_SCHEME = /^(redis|rediss|sentinel|redis\+socket|valkey):\/\//i;

export function usesRedisBroker(model: ProjectModel, k: Knowledge): boolean {
  return brokerUrls(model, k).some((u) => REDIS_SCHEME.test(u.trim())) || brokerFStringSchemes(model, k).some((u) => REDIS_SCHEME.test(u));
}

/**
 * The literal start of a broker URL built as an f-string (`f"redis://:{REDIS_PASS}@{REDIS_HOST}:{REDIS_PORT}/0"`, often in
 * another module and imported): the rest is not knowable, the scheme is written down.
 */
function brokerFStringSchemes(model: ProjectModel, k: Knowledge): string[] {
  const out: string[] = [];
  for (const s of effectiveSettings(model, k)) {
    if (!['broker_url', 'broker_read_url', 'broker_write_url'].includes(s.newName)) continue;
    const v = s.assignment.value;
    const m = v.kind === 'expr' ? /^[rRbBuU]*[fF][rRbBuU]*(['"]{1,3})([^{'"]*)/.exec(v.text.trim()) : null;
    if (m) out.push(m[2]!);
  }
  return out;
}

/** A compose service that runs Redis (or a drop-in: Valkey, KeyDB), by image, or by name when it builds its own. */
export function isRedisService(svc: ComposeService): boolean {
  return /(^|\/)(redis|valkey|keydb)(:|@|$)/i.test(svc.image ?? '') || /^(redis|valkey)/i.test(svc.name);
}
