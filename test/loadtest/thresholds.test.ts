// The threshold language: accepted forms, normalised values, one-line errors, evaluation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateThreshold, metricName, parseThreshold, type ThresholdInputs } from '../../src/loadtest/thresholds.js';
import { JobctlError } from '../../src/util/errors.js';
import { LatencyRecorder } from '../../src/loadtest/stats.js';

test('parses latency thresholds with units and latency prefixes', () => {
  const a = parseThreshold('p95<3s');
  assert.equal(metricName(a.metric), 'e2e.p95');
  assert.equal(a.op, '<');
  assert.equal(a.value, 3000);
  const b = parseThreshold(' queue_wait.p99 <= 500ms ');
  assert.equal(metricName(b.metric), 'queue_wait.p99');
  assert.equal(b.op, '<=');
  assert.equal(b.value, 500);
  assert.equal(metricName(parseThreshold('p(99.9)<2s').metric), 'e2e.p99.9');
  assert.equal(metricName(parseThreshold('queue_wait.p99.9<2s').metric), 'queue_wait.p99.9');
  assert.equal(metricName(parseThreshold('runtime.max<1.5s').metric), 'runtime.max');
  assert.equal(parseThreshold('runtime.max<1.5s').value, 1500);
  assert.equal(metricName(parseThreshold('mean<20ms').metric), 'e2e.mean');
  assert.equal(metricName(parseThreshold('med<20ms').metric), 'e2e.p50');
});

test('parses counts, percentages, throughput and memory', () => {
  const e = parseThreshold('errors<2%');
  assert.deepEqual(e.metric, { type: 'errors', asPercent: true });
  assert.equal(e.value, 2);
  assert.deepEqual(parseThreshold('lost==0').metric, { type: 'lost', asPercent: false });
  assert.equal(parseThreshold('throughput>=100/s').value, 100);
  assert.equal(parseThreshold('rss_growth<10%').value, 10);
  assert.equal(parseThreshold('rss_per_1k<5MB').value, 5 * 1024 * 1024);
  assert.equal(parseThreshold('rss_per_1k<512KB').value, 512 * 1024);
});

test('bad expressions give one clear line naming the expression', () => {
  const cases: [string, RegExp][] = [
    ['p95<3x', /unknown duration unit 'x'/],
    ['p95<3', /needs a unit/],
    ['p101<3s', /outside 0-100/],
    ['latency<3s', /unknown metric 'latency'/],
    ['foo.p95<3s', /unknown latency 'foo'/],
    ['p95=3s', /use '=='/],
    ['p95 3s', /expected <metric> <op> <value>/],
    ['errors<2ms', /count or a percentage/],
    ['errors<150%', /at most 100%/],
    ['lost<1.5', /whole number/],
    ['rss_growth<10', /percentage/],
    ['throughput>100/m', /tasks per second/],
    ['', /empty/],
  ];
  for (const [expr, re] of cases) {
    assert.throws(() => parseThreshold(expr), (err: unknown) => {
      assert.ok(err instanceof JobctlError, `${expr}: JobctlError`);
      assert.match(err.message, re, expr);
      assert.ok(!err.message.includes('\n'), 'one line');
      assert.ok(err.message.includes(`'${expr}'`), 'names the expression');
      assert.equal(err.exitCode, 2);
      return true;
    });
  }
});

function inputs(over: Partial<ThresholdInputs> = {}): ThresholdInputs {
  const r = new LatencyRecorder();
  for (let i = 1; i <= 100; i++) r.record(i * 10); // 10 ms .. 1000 ms
  const empty = new LatencyRecorder();
  const asInput = (x: LatencyRecorder) => ({ count: x.count, mean: x.count ? x.summary().mean : 0, max: x.count ? x.summary().max : 0, percentile: (p: number) => x.percentile(p) });
  return {
    latency: { e2e: asInput(r), queue_wait: asInput(r), runtime: asInput(empty) },
    published: 200, failed: 3, lost: 0, timedOut: 0, throughputPerSec: 150, rssGrowthPct: 12, rssPer1kBytes: 2 * 1024 * 1024,
    ...over,
  };
}

test('evaluates thresholds against measured figures', () => {
  const ev = (expr: string, over?: Partial<ThresholdInputs>) => evaluateThreshold(parseThreshold(expr), inputs(over));
  assert.equal(ev('p95<1s').pass, true);
  assert.ok(Math.abs(ev('p95<1s').actual! - 950) < 2, 'p95 of 10..1000 ms is ~950 ms');
  assert.equal(ev('p95<900ms').pass, false);
  assert.equal(ev('max<=1s').pass, true);
  assert.equal(ev('errors<2%').pass, true); // 3/200 = 1.5%
  assert.equal(ev('errors<1%').pass, false);
  assert.equal(ev('errors<3').pass, false); // count form: 3 < 3 is false
  assert.equal(ev('lost==0').pass, true);
  assert.equal(ev('lost==0', { lost: 1 }).pass, false);
  assert.equal(ev('throughput>100/s').pass, true);
  assert.equal(ev('rss_growth<10%').pass, false);
  assert.equal(ev('rss_per_1k<5MB').pass, true);
  // a figure the run did not produce fails the threshold and says why
  const missing = ev('runtime.p95<1s');
  assert.equal(missing.pass, false);
  assert.equal(missing.actual, null);
  assert.match(missing.note ?? '', /no runtime samples/);
  assert.equal(ev('rss_growth<10%', { rssGrowthPct: null }).pass, false);
});
