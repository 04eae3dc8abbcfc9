// `load-test --shard i/N --run-id ID`: one of N producers of one run. The flags describe the WHOLE
// run's load; each shard sends its share of it:
//   --tasks T        shard i sends floor(T/N), plus 1 when i <= T mod N (the shares add up to T)
//   --concurrency C  the same split of the in-flight slots (C must be >= N: every producer needs one)
//   --rate R         R/N each (the arrival rates add up to R)
//   --duration D     not split: every shard publishes for D, at the same time as the others
// Task ids are `jobctl:<run id>:<i>of<N>:<uuid>` (':' is not allowed in a run id), so no two shards (or runs) share a task id or a
// result key, and each producer subscribes only to its own results. A shard does not judge itself:
// its --threshold flags are stored in its JSON and `jobctl load-test merge` applies them to the whole.
import { hostname } from 'node:os';
import { JobctlError } from '../util/errors.js';
import type { LoadShape } from './run.js';

export interface ShardSpec {
  runId: string;
  /** 1-based */
  index: number;
  count: number;
}

/** What a shard's --json records about the run it is part of (read back by `load-test merge`). */
export interface ShardFacts extends ShardSpec {
  /** the whole run's load as the flags asked for it, before the split */
  requested: { tasks: number | null; concurrency: number | null; ratePerSec: number | null; durationMs: number | null };
  /** --threshold expressions given to this producer, applied by `load-test merge` to the whole run */
  thresholds: string[];
  /** every task id this producer published starts with this */
  taskIdPrefix: string;
  /** wall clock of the end of this producer's measurement (startedAt + durationMs) */
  endedAt: string;
  /** the producer's host name (the pod name under Kubernetes) and process id */
  producer: { host: string; pid: number };
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function parseShard(text: string, runId: string | undefined): ShardSpec {
  const m = /^\s*([0-9]+)\s*\/\s*([0-9]+)\s*$/.exec(text);
  if (!m) throw new JobctlError(`--shard '${text}': write the producer's index and the number of producers, e.g. --shard 2/4`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > 1000) throw new JobctlError(`--shard '${text}': the number of producers must be 1 to 1000`);
  if (index < 1 || index > count) {
    throw new JobctlError(`--shard '${text}': shard indexes are 1-based (1/${count} … ${count}/${count})${index === 0 ? '; from a Kubernetes Indexed Job pass $((JOB_COMPLETION_INDEX + 1))' : ''}`);
  }
  if (runId === undefined || runId.trim() === '') {
    throw new JobctlError('--shard needs --run-id (or JOBCTL_RUN_ID): the same id for all producers of the run, e.g. --run-id release-42 (in a Kubernetes Job, the Job\'s uid)');
  }
  if (!RUN_ID.test(runId)) throw new JobctlError(`--run-id '${runId}': use letters, digits, '.', '_' and '-' (at most 64, starting with a letter or digit)`);
  return { runId, index, count };
}

/** The slice of `total` that shard `index` (1-based) of `count` gets; the slices add up to `total`. */
export function shareOf(total: number, s: Pick<ShardSpec, 'index' | 'count'>): number {
  return Math.floor(total / s.count) + (s.index <= total % s.count ? 1 : 0);
}

export interface ShardedLoad {
  shape: LoadShape;
  tasks: number | undefined;
  facts: Omit<ShardFacts, 'endedAt'>;
}

/** This shard's share of the whole run's load (see the header for the rule). */
export function shardLoad(spec: ShardSpec, whole: { shape: LoadShape; tasks: number | undefined; durationMs: number | undefined; thresholds: string[] }): ShardedLoad {
  const { shape, durationMs } = whole;
  // a closed loop without --tasks or --duration runs 1000 tasks (run.ts): split those, not 1000 each
  const tasks = whole.tasks ?? (shape.mode === 'closed' && durationMs === undefined ? 1000 : undefined);
  if (tasks !== undefined && tasks < spec.count) throw new JobctlError(`--tasks ${tasks} is fewer than the ${spec.count} producers of --shard; give every producer at least one task`);
  let myShape: LoadShape;
  if (shape.mode === 'closed') {
    if (shape.concurrency < spec.count) throw new JobctlError(`--concurrency ${shape.concurrency} is the whole run's in-flight tasks, split over ${spec.count} producers; give at least ${spec.count} (one per producer)`);
    myShape = { mode: 'closed', concurrency: shareOf(shape.concurrency, spec) };
  } else {
    myShape = { mode: 'open', ratePerSec: shape.ratePerSec / spec.count };
  }
  return {
    shape: myShape,
    tasks: tasks === undefined ? undefined : shareOf(tasks, spec),
    facts: {
      ...spec,
      requested: {
        tasks: tasks ?? null,
        concurrency: shape.mode === 'closed' ? shape.concurrency : null,
        ratePerSec: shape.mode === 'open' ? shape.ratePerSec : null,
        durationMs: durationMs ?? null,
      },
      thresholds: whole.thresholds,
      taskIdPrefix: taskIdPrefix(spec),
      producer: { host: hostname(), pid: process.pid },
    },
  };
}

export function taskIdPrefix(s: ShardSpec): string {
  return `jobctl:${s.runId}:${s.index}of${s.count}:`;
}

export function shardNote(s: ShardSpec): string {
  return `shard ${s.index}/${s.count} of run ${s.runId}: this producer's share only; \`jobctl load-test merge\` over all ${s.count} shards' --json files applies the thresholds to the whole run`;
}
