// --baseline previous.json: read an earlier run's --json output and report deltas per figure.
import { promises as fs } from 'node:fs';
import { JobctlError } from '../util/errors.js';
import { LOAD_TEST_SCHEMA, type BaselineComparison, type BaselineDelta, type LoadTestResult } from './types.js';

/** [metric name, getter, higher is worse] */
const FIGURES: [string, (r: LoadTestResult) => number | null | undefined, boolean][] = [
  ['e2e.p50 (ms)', (r) => r.latency.e2e.p50, true],
  ['e2e.p95 (ms)', (r) => r.latency.e2e.p95, true],
  ['e2e.p99 (ms)', (r) => r.latency.e2e.p99, true],
  ['queue_wait.p95 (ms)', (r) => r.latency.queueWait.p95, true],
  ['runtime.p95 (ms)', (r) => r.latency.runtime.p95, true],
  ['throughput (/s)', (r) => r.throughput.completedPerSec, false],
  ['errors (%)', (r) => (r.counts.published ? (r.counts.failed / r.counts.published) * 100 : 0), true],
  ['lost', (r) => r.counts.lost, true],
  ['rss_per_1k (bytes)', (r) => r.memory?.per1kTasksBytes, true],
  ['worker cpu (ms/task)', (r) => r.cpu.workerMsPerTask, true],
];

export async function readBaseline(file: string): Promise<LoadTestResult> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new JobctlError(`${file}: cannot read the baseline (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); pass the --json output of an earlier \`jobctl load-test\``, { file });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new JobctlError(`${file}: not JSON; pass a file saved from an earlier run (\`jobctl load-test --json > previous.json\`, then \`--baseline previous.json\`)`, { file });
  }
  const r = data as Partial<LoadTestResult>;
  if (!r || typeof r !== 'object' || r.schema !== LOAD_TEST_SCHEMA || !r.latency || !r.counts) {
    throw new JobctlError(`${file}: not a jobctl load-test result (expected "schema": "${LOAD_TEST_SCHEMA}"); pass the output of \`jobctl load-test --json\``, { file });
  }
  return r as LoadTestResult;
}

export function compareWithBaseline(current: LoadTestResult, baseline: LoadTestResult, file: string): BaselineComparison {
  const deltas: BaselineDelta[] = FIGURES.map(([metric, get, higherIsWorse]) => {
    const b = get(baseline) ?? null;
    const c = get(current) ?? null;
    const changePct = b !== null && c !== null && b !== 0 ? Math.round(((c - b) / Math.abs(b)) * 1000) / 10 : null;
    // small relative moves are noise on a shared machine: only flag changes beyond 10%
    const worse = changePct !== null ? (higherIsWorse ? changePct > 10 : changePct < -10) : b !== null && c !== null && b === 0 && c > 0 && higherIsWorse;
    return { metric, baseline: b, current: c, changePct, worse };
  });
  return { file, baselineStartedAt: baseline.startedAt, deltas };
}
