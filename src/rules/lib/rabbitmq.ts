// RabbitMQ facts for rules: the server version the project's images run, whether the broker is AMQP, the
// Celery versions the project's pins allow, and where the project declares quorum queues.
import type { ContainerImage, Location, ProjectModel } from '../../model/types.js';
import type { Knowledge } from '../../knowledge/types.js';
import { satisfies } from '@renovatebot/pep440';
import { brokerUrls, usesRedisBroker } from './broker.js';
import { compareVersions } from './versions.js';
import { isTestFile } from './settings.js';
import { queueCalls } from './queues.js';

/**
 * The RabbitMQ server an image runs. `exact` when the tag names major.minor (a patch-level floating tag such
 * as `3.13-management` stays within 3.13, so its minor is known); `floating` when the tag names only a major
 * (`4-management`, every 4.x as it is released) or no version at all (`latest`, `management`, no tag).
 */
export interface RabbitServer {
  image: ContainerImage;
  /** 'major.minor' (or 'major.minor.patch') when the tag says it */
  version: string | null;
  /** the major the tag is held to (`4-management` → 4), null for `latest`/no tag */
  major: number | null;
  floating: boolean;
  /** Docker's official image (`rabbitmq`, `library/rabbitmq`, `docker.io/…`): its floating tags follow RabbitMQ's releases */
  official: boolean;
}

const RABBIT_IMAGE = /(^|\/)rabbitmq(:|@|$)/i;

/** Parse one image reference; null when it is not a RabbitMQ image. A tag jobctl cannot read (`${TAG}`) is floating with no major. */
export function rabbitServerOf(image: ContainerImage): RabbitServer | null {
  const ref = image.image.trim();
  if (!RABBIT_IMAGE.test(ref)) return null;
  const noDigest = ref.split('@')[0]!;
  const lastPart = noDigest.split('/').pop()!;
  const tag = lastPart.includes(':') ? lastPart.slice(lastPart.indexOf(':') + 1) : '';
  const path = noDigest.split('/').slice(0, -1).join('/');
  const official = /^((docker\.io|index\.docker\.io|mirror\.gcr\.io|public\.ecr\.aws\/docker)\/)?(library)?$/i.test(path) || /^docker\.io$/i.test(path);
  if (tag.includes('$')) return { image, version: null, major: null, floating: true, official };
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?=$|[-_.a-z])/i.exec(tag);
  if (!m) return { image, version: null, major: null, floating: true, official };
  const major = Number(m[1]);
  if (m[2] === undefined) return { image, version: null, major, floating: true, official };
  return { image, version: [m[1], m[2], m[3]].filter((x) => x !== undefined).join('.'), major, floating: false, official };
}

export function rabbitServers(model: ProjectModel): RabbitServer[] {
  return (model.images ?? []).map(rabbitServerOf).filter((s): s is RabbitServer => s !== null && !isTestFile(s.image.file));
}

/** RabbitMQ `a.b` at or above `min` ('4.3'): true/false when the tag says, null when it floats over both. */
export function rabbitAtLeast(s: RabbitServer, min: string): boolean | null {
  if (s.version) return compareVersions(padVersion(s.version), padVersion(min)) >= 0;
  const minMajor = Number(min.split('.')[0]);
  if (s.major !== null && s.major < minMajor) return false;
  if (s.major !== null && s.major > minMajor) return true;
  return null;
}

function padVersion(v: string): string {
  const parts = v.split('.');
  while (parts.length < 3) parts.push('0');
  return parts.join('.');
}

/** How the image's version is described in a message. */
export function describeRabbit(s: RabbitServer): string {
  if (s.version) return `RabbitMQ ${s.version} (\`${s.image.image}\`)`;
  if (s.major !== null) return `\`${s.image.image}\` (a floating tag: the newest RabbitMQ ${s.major}.x on every pull)`;
  return `\`${s.image.image}\` (no version in the tag: the newest RabbitMQ on every pull)`;
}

const AMQP_SCHEME = /^(amqp|amqps|pyamqp|librabbitmq):\/\//i;

/** The broker is RabbitMQ: a broker URL says amqp:// (and none says Redis). */
export function usesAmqpBroker(model: ProjectModel, k: Knowledge): boolean {
  if (usesRedisBroker(model, k)) return false;
  return brokerUrls(model, k).some((u) => AMQP_SCHEME.test(u.trim()));
}

/**
 * Some deployment of the project runs on RabbitMQ: a broker URL says amqp:// (a test env's redis:// elsewhere does not
 * change what RabbitMQ does to the others), or a RabbitMQ image is run and no broker URL says Redis.
 */
export function mayUseRabbit(model: ProjectModel, k: Knowledge): boolean {
  if (brokerUrls(model, k).some((u) => AMQP_SCHEME.test(u.trim()))) return true;
  return !usesRedisBroker(model, k) && rabbitServers(model).length > 0;
}

export interface CeleryRange {
  /** lowest and highest Celery release the project's pins allow (equal for an exact pin or a lock) */
  min: string;
  max: string;
  /** 'requirements.txt:3' */
  source: string;
}

/**
 * The Celery releases the project can be running: a lock or exact pin gives one; ranges are intersected over the
 * known releases. null when Celery is not pinned at all (a fresh install gets the newest) or nothing matches.
 */
export function celeryRange(model: ProjectModel, k: Knowledge): CeleryRange | null {
  const deps = model.dependencies.filter((d) => d.name === 'celery' && !isTestFile(d.file));
  const exact = [...deps.filter((d) => d.isLock && d.version), ...deps.filter((d) => !d.isLock && d.version)][0];
  if (exact?.version) return { min: exact.version, max: exact.version, source: `${exact.file}:${exact.loc.line}` };
  const specs = deps.map((d) => ({ d, spec: d.pep440 ?? d.specifier })).filter((x) => x.spec);
  if (specs.length === 0) return null;
  const known = [...(k.legacyReleases ?? []), ...k.releases].map((r) => r.version);
  const allowed = known.filter((v) => specs.every(({ spec }) => {
    try {
      return satisfies(v, spec);
    } catch {
      return true;
    }
  }));
  if (allowed.length === 0) return null;
  allowed.sort(compareVersions);
  return { min: allowed[0]!, max: allowed[allowed.length - 1]!, source: `${specs[0]!.d.file}:${specs[0]!.d.loc.line}` };
}

export interface QuorumDeclaration {
  loc: Location;
  /** how: "x-queue-type: quorum", "task_default_queue_type='quorum'" */
  how: string;
}

const QUORUM_ARG = /['"]x-queue-type['"]\s*:\s*['"]quorum['"]/;

/**
 * Where the project declares a kombu quorum queue: a `Queue(…)` whose `queue_arguments` say `x-queue-type: quorum`
 * (a pika `queue_declare(arguments=…)` is not a Celery queue), outside tests.
 */
export function quorumQueueArguments(model: ProjectModel): QuorumDeclaration[] {
  return queueCalls(model).filter((q) => QUORUM_ARG.test(q.args)).map((q) => ({ loc: q.loc, how: `\`'x-queue-type': 'quorum'\`` }));
}
