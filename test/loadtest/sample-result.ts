// A LoadTestResult built from real recorders (not a live run), for renderer and baseline tests.
import { LatencyRecorder, WindowRecorder, type TimelinePoint } from '../../src/loadtest/stats.js';
import { analyseMemory, type TreeSample } from '../../src/loadtest/memory.js';
import { LOAD_TEST_SCHEMA, type LoadTestResult } from '../../src/loadtest/types.js';

export function sampleResult(): LoadTestResult {
  const e2e = new LatencyRecorder();
  const wait = new LatencyRecorder();
  const run = new LatencyRecorder();
  const timeline: TimelinePoint[] = [];
  const samples: TreeSample[] = [];
  let w = new WindowRecorder(0);
  for (let s = 0; s < 10; s++) {
    for (let i = 0; i < 100; i++) {
      const ms = 20 + ((i * 37) % 60) + s;
      e2e.record(ms); wait.record(ms - 20); run.record(20);
      w.onPublished(); w.onCompleted(ms, i % 50 !== 0);
    }
    timeline.push(w.close((s + 1) * 1000, 0, { queueDepth: 40 - s, workerRssBytes: 100e6 + s * 1e5, workerCpuPct: 80, jobctlCpuPct: 10 }));
    w = new WindowRecorder((s + 1) * 1000);
    samples.push({ tMs: (s + 1) * 1000, completed: (s + 1) * 100, rssBytes: 100e6 + s * 1e5, perPid: {}, cpuMs: s * 200 });
  }
  return {
    schema: LOAD_TEST_SCHEMA,
    startedAt: '2026-11-29T08:00:00.000Z',
    durationMs: 10_000,
    interrupted: false,
    mode: 'closed',
    concurrency: 50,
    ratePerSec: null,
    latencyBasis: 'closed loop (50 in flight)',
    task: 'jobctl_loadprobe.sleep',
    args: [20],
    kwargs: {},
    environment: { broker: 'redis://:****@127.0.0.1:1/0', backend: 'redis://:****@127.0.0.1:1/1', queue: 'jobctl-load-x', worker: 'private', pool: 'prefork', workerConcurrency: 2, python: '3.11', celery: '5.7.0', app: null },
    counts: { published: 1000, succeeded: 980, failed: 20, lost: 0, unfinished: 0, timedOut: 0, retries: 0, latePublishes: 0 },
    errorTypes: { ValueError: 20 },
    latency: { e2e: e2e.summary(), queueWait: wait.summary(), runtime: run.summary() },
    throughput: { completedPerSec: 100, publishedPerSec: 100, peakCompletedPerSec: 100 },
    queueDepth: { max: 40, end: 31 },
    cpu: { workerMs: 2000, jobctlMs: 300, workerMsPerTask: 2, jobctlMsPerTask: 0.3, workerPct: 20, jobctlPct: 3 },
    memory: analyseMemory(samples, 100),
    timeline,
    thresholds: [{ expression: 'p95<3s', metric: 'e2e.p95', op: '<', limit: 3000, actual: e2e.percentile(95), unit: 'ms', pass: true }],
    defaultThresholds: false,
    passed: true,
  };
}
