// The one serialisable result of `jobctl load-test`: the terminal summary, --json and --report HTML
// all render this object, and --baseline reads it back from an earlier run's JSON.
import type { LatencySummary, TimelinePoint } from './stats.js';
import type { MemorySummary } from './memory.js';
import type { ThresholdOutcome } from './thresholds.js';
import type { ShardFacts } from './shard.js';
import type { MergeFacts } from './merge.js';
import type { FleetSection } from './fleet-stats.js';

export const LOAD_TEST_SCHEMA = 'jobctl.load-test/1';

export type LoadMode = 'closed' | 'open';

export interface LoadEnvironmentInfo {
  /** broker URL with credentials masked */
  broker: string;
  backend: string;
  queue: string;
  /** who started the worker: jobctl (private) or the user (external) */
  worker: 'private' | 'external';
  pool: string | null;
  workerConcurrency: number | null;
  python: string | null;
  celery: string | null;
  app: string | null;
}

export interface LoadCounts {
  published: number;
  succeeded: number;
  failed: number;
  /** published, not interrupted, and no final result by the end of the drain */
  lost: number;
  /** still in flight when the run was interrupted (Ctrl-C); 0 otherwise */
  unfinished: number;
  /** tasks whose result took longer than --task-timeout (they may still have finished later) */
  timedOut: number;
  /** RETRY states seen on the result channel */
  retries: number;
  /** open loop: sends that left more than 10 ms after their scheduled time (k6 dropped_iterations) */
  latePublishes: number;
}

export interface BaselineDelta {
  metric: string;
  baseline: number | null;
  current: number | null;
  /** (current - baseline) / baseline * 100; null when baseline is 0 or missing */
  changePct: number | null;
  /** true when the change is in the bad direction (slower, more errors, less throughput, more memory) */
  worse: boolean;
}

export interface BaselineComparison {
  file: string;
  baselineStartedAt: string;
  deltas: BaselineDelta[];
}

export interface LoadTestResult {
  schema: typeof LOAD_TEST_SCHEMA;
  startedAt: string;
  durationMs: number;
  interrupted: boolean;
  mode: LoadMode;
  concurrency: number | null;
  ratePerSec: number | null;
  /** how the latency figures should be read (closed loop = service time; open loop = from the intended send time) */
  latencyBasis: string;
  task: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  environment: LoadEnvironmentInfo;
  counts: LoadCounts;
  /** failures by exception type (ValueError, NotRegistered, TimeLimitExceeded, REVOKED ...) */
  errorTypes: Record<string, number>;
  /** the first message seen for each error type (masked by the worker's result, not by jobctl) */
  errorMessages?: Record<string, string>;
  /** ERROR records and trouble lines the worker logged during the run (a signal handler raising on every task, lost connections, retries) */
  workerLogErrors?: { kind: string; message: string; count: number }[];
  /** things the reader must know to read the figures (e.g. the probe app was measured, not the project; a capped pool) */
  notes?: string[];
  latency: { e2e: LatencySummary; queueWait: LatencySummary; runtime: LatencySummary };
  throughput: { completedPerSec: number; publishedPerSec: number; peakCompletedPerSec: number };
  queueDepth: { max: number | null; end: number | null };
  cpu: {
    /** CPU time of the worker process tree over the run, ms */
    workerMs: number | null;
    jobctlMs: number;
    workerMsPerTask: number | null;
    jobctlMsPerTask: number | null;
    /** average percent of one core */
    workerPct: number | null;
    jobctlPct: number;
  };
  memory: MemorySummary | null;
  timeline: TimelinePoint[];
  thresholds: ThresholdOutcome[];
  /** true when no --threshold was given and the defaults (lost==0, errors<1%) were applied */
  defaultThresholds: boolean;
  passed: boolean;
  baseline?: BaselineComparison;
  /** `--shard i/N`: this result is one producer's part of a run (merge it with `load-test merge`) */
  shard?: ShardFacts;
  /** `load-test merge`: the shards this result was merged from */
  merged?: MergeFacts;
  /** load-test --fleet: the per-worker figures of a fleet jobctl did not start */
  fleet?: FleetSection;
}
