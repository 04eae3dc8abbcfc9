// jobctl checklist on real fixture projects (copied into temp git repos so "committed" facts are real).
// seed-scheduler-checklist reproduces seed 001 ("Celery Production Implementation Checklist"): one
// assertion per item that document states. hardened is the production-grade counterpart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkoutFixture, removeDir, repoRoot } from '../support/fixtures.js';
import { runChecklist, saveAnswers, failingItems, renderChecklistMarkdown, renderChecklistText, type Checklist, type ChecklistItem } from '../../src/checklist/index.js';
import { loadConfig } from '../../src/engine/config.js';

function item(c: Checklist, id: string): ChecklistItem {
  const found = c.items.find((i) => i.id === id);
  assert.ok(found, `no checklist item ${id}`);
  return found;
}
function evidenceText(i: ChecklistItem): string {
  return i.evidence.map((e) => `${e.file}:${e.line} ${e.text}`).join('\n');
}

function jobctl(args: string[], timeout = 60_000): { code: number | null; stdout: string; stderr: string; signal: NodeJS.Signals | null } {
  // stdin ignored: no TTY, exactly like CI; a prompt would hang until the timeout kills it
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'run.js'), ...args], {
    cwd: repoRoot, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', CI: '' }, stdio: ['ignore', 'pipe', 'pipe'], timeout,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

test('seed-scheduler-checklist: statuses match seed 001 item by item', async () => {
  const dir = checkoutFixture('seed-scheduler-checklist');
  try {
    const { checklist: c } = await runChecklist(dir);
    // §1 Email notification: "Stubbed (logs only)"
    const stubs = item(c, 'alerting.no-stub-tasks');
    assert.equal(stubs.status, 'fail');
    assert.match(evidenceText(stubs), /backend\/app\/notifications\/tasks\.py:10 .*send_email/);
    // §2 Webhook notification: "Stubbed (logs only)"
    assert.match(evidenceText(stubs), /backend\/app\/notifications\/tasks\.py:17 .*send_webhook/);
    assert.equal(item(c, 'alerting.delivery').status, 'fail');
    // §3 Alert recipients: "Empty list in config" (and the .env template leaves it empty)
    const rec = item(c, 'alerting.recipients');
    assert.equal(rec.status, 'fail');
    assert.match(evidenceText(rec), /backend\/app\/core\/config\.py:25/);
    // §4 Flower: "Not installed"
    assert.equal(item(c, 'observability.flower').status, 'fail');
    // §5 Dedicated queue workers: "Single worker handles all queues"
    const queues = item(c, 'reliability.dedicated-queues');
    assert.equal(queues.status, 'warn');
    assert.match(queues.detail, /3 queues \(default, resilience, notifications\) but one worker consumes all/);
    // §6 Log aggregation: "Local logs only" -> nothing in the repo ships logs; jobctl cannot see the platform, so it asks
    const logs = item(c, 'observability.logs');
    assert.equal(logs.status, 'unconfirmed');
    assert.equal(logs.evidence.length, 0);
    // §7 Sentry: "SDK installed, needs configuration"
    const sentry = item(c, 'observability.sentry');
    assert.equal(sentry.status, 'warn');
    assert.match(evidenceText(sentry), /backend\/requirements\.txt:8 sentry-sdk\[fastapi\]==2\.48\.0/);
    // §8 Prometheus: "Metrics exposed, alerts not configured"
    const prom = item(c, 'observability.metrics-alerts');
    assert.equal(prom.status, 'warn');
    assert.match(prom.detail, /no alert rules/);
    // §9 Beat schedule persistence: default scheduler, file inside the container
    const beat = item(c, 'reliability.beat-persistence');
    assert.equal(beat.status, 'warn');
    assert.match(beat.detail, /lost on every redeploy/);
    // §10 / §15 Result expiration: "Configured (1 hour)"
    const exp = item(c, 'reliability.result-expires');
    assert.equal(exp.status, 'pass');
    assert.match(exp.detail, /3600 s/);
    // §11 Redis security: password, bind/exposure, dangerous commands, TLS all open
    assert.equal(item(c, 'redis.auth').status, 'fail');
    const net = item(c, 'redis.network');
    assert.equal(net.status, 'fail');
    assert.match(evidenceText(net), /docker-compose\.yml:16 .*6379:6379/);
    assert.equal(item(c, 'redis.dangerous-commands').status, 'fail');
    assert.equal(item(c, 'redis.tls').status, 'fail');
    // §12 Task serialization: "JSON only (secure)"
    assert.equal(item(c, 'serialization.json-only').status, 'pass');
    // §13 prefetch 1 / concurrency 4: "Configured"
    assert.equal(item(c, 'reliability.prefetch').status, 'pass');
    // §14 Task time limits 600 / 540: "Configured"
    const limits = item(c, 'reliability.time-limits');
    assert.equal(limits.status, 'pass');
    assert.match(limits.detail, /hard 600 s, soft 540 s/);
    // §16 Integration tests: "Manual testing only"
    const tests = item(c, 'tests.integration');
    assert.equal(tests.status, 'fail');
    assert.match(tests.detail, /tested by hand/);
    // nothing of seed 001 says credentials are committed
    assert.equal(item(c, 'secrets.credentials-in-code').status, 'pass');
    assert.equal(item(c, 'secrets.env-not-committed').status, 'pass');
    // critical items are open -> --fail-on critical fails
    assert.ok(failingItems(c, 'critical').some((i) => i.id === 'redis.auth'));
  } finally {
    removeDir(dir);
  }
});

/** the hardened fixture as it would be before anyone answered the checklist */
function withoutAnswers(dir: string): void {
  writeFileSync(path.join(dir, 'jobctl.yaml'), 'target: "5.6.3"\n');
}

test('hardened: every item is green once the undetectable ones are answered in jobctl.yaml', async () => {
  const dir = checkoutFixture('hardened');
  try {
    // as committed (with its answers) every item is done
    const { checklist: committed } = await runChecklist(dir);
    assert.deepEqual(committed.items.filter((i) => i.status !== 'pass').map((i) => `${i.id}: ${i.status}`), []);
    withoutAnswers(dir);
    const { checklist: before, config } = await runChecklist(dir);
    const notGreen = before.items.filter((i) => i.status !== 'pass');
    // whatever is not green must be undetectable (❓), never a detected problem
    assert.deepEqual(notGreen.filter((i) => i.status !== 'unconfirmed').map((i) => `${i.id}: ${i.status} ${i.detail}`), []);
    assert.deepEqual(notGreen.map((i) => i.id), ['observability.logs']);
    const answers = Object.fromEntries(notGreen.map((i) => [i.id, { status: 'done' as const, note: 'shipped by the platform (test)', by: 'test', at: '2026-11-29T00:00:00.000Z' }]));
    const file = await saveAnswers(dir, config, answers);
    assert.equal(file, 'jobctl.yaml');
    const saved = readFileSync(path.join(dir, 'jobctl.yaml'), 'utf8');
    assert.match(saved, /^target: "5\.6\.3"$/m, 'the rest of jobctl.yaml is kept');
    assert.equal((await loadConfig(dir)).target, '5.6.3');
    const { checklist: after } = await runChecklist(dir);
    assert.deepEqual(after.items.filter((i) => i.status !== 'pass').map((i) => i.id), []);
    const logs = item(after, 'observability.logs');
    assert.equal(logs.answer?.by, 'test');
    assert.equal(failingItems(after, 'low').length, 0);
    const md = renderChecklistMarkdown(after);
    assert.match(md, /Answered:\*\* done by test on 2026-11-29/);
  } finally {
    removeDir(dir);
  }
});

test('answers keep comments, never override a detected status, and bad answers are a one-line error', async () => {
  const dir = checkoutFixture('seed-scheduler-checklist');
  try {
    writeFileSync(path.join(dir, 'jobctl.yaml'), '# team settings\nexclude: ["backend/verify_celery.py"]  # manual script\n');
    const config = await loadConfig(dir);
    await saveAnswers(dir, config, { 'redis.auth': { status: 'done' }, 'observability.logs': { status: 'not-done', note: 'local only' }, 'no.such-item': { status: 'n/a' } });
    const text = readFileSync(path.join(dir, 'jobctl.yaml'), 'utf8');
    assert.match(text, /^# team settings$/m);
    assert.match(text, /# manual script/);
    const { checklist: c } = await runChecklist(dir);
    assert.equal(item(c, 'redis.auth').status, 'fail', 'a detected open item stays open whatever the answer says');
    assert.equal(item(c, 'observability.logs').status, 'fail');
    assert.deepEqual(c.ignoredAnswers.map((a) => a.id).sort(), ['no.such-item', 'redis.auth']);

    writeFileSync(path.join(dir, 'jobctl.yaml'), 'checklist:\n  answers:\n    observability.logs: {status: maybe}\n');
    const r = jobctl(['checklist', dir, '--ci']);
    assert.equal(r.code, 2);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /jobctl\.yaml: `checklist\.answers\.observability\.logs\.status` is "maybe"; use one of done, not-done, n\/a/);
  } finally {
    removeDir(dir);
  }
});

test('CLI without a TTY never prompts or hangs; --ci --fail-on decides the exit code', () => {
  const seed = checkoutFixture('seed-scheduler-checklist');
  const hardened = checkoutFixture('hardened');
  withoutAnswers(hardened);
  try {
    const plain = jobctl(['checklist', seed], 30_000);
    assert.equal(plain.signal, null, 'killed by the timeout: it waited for input');
    assert.equal(plain.code, 1);
    assert.match(plain.stdout, /^Production readiness: 9\/27 done/);
    assert.doesNotMatch(plain.stdout + plain.stderr, /is this done in production\?/);
    assert.match(plain.stdout, /❓ medium +observability\.logs/);

    const ci = jobctl(['checklist', seed, '--ci', '--fail-on', 'critical'], 30_000);
    assert.equal(ci.code, 1);
    // hardened: nothing critical/high is open; the ❓ logs item (medium) fails only from --fail-on medium down
    assert.equal(jobctl(['checklist', hardened, '--ci', '--fail-on', 'critical']).code, 0);
    assert.equal(jobctl(['checklist', hardened, '--ci', '--fail-on', 'medium']).code, 1);
    assert.equal(jobctl(['checklist', hardened, '--ci', '--fail-on', 'medium', '--allow-unconfirmed']).code, 0);

    const json = jobctl(['checklist', seed, '--ci', '--json']);
    const parsed = JSON.parse(json.stdout) as Checklist;
    assert.equal(parsed.items.length, parsed.summary.total);
    assert.equal(item(parsed, 'redis.auth').status, 'fail');
    assert.equal(json.code, 1);

    const md = jobctl(['checklist', seed, '--ci', '--format', 'markdown']);
    for (const h of ['## Secrets', '## Redis hardening', '## Alerting', '## Reliability', '## Observability', '## Serialization security', '## Tests']) assert.ok(md.stdout.includes(`\n${h}\n`), h);
    assert.match(md.stdout, /### ❌ Redis requires authentication/);
    assert.match(md.stdout, /`docker-compose\.yml:16` \(JC504\)/);
  } finally {
    removeDir(seed);
    removeDir(hardened);
  }
});

test('no secret value appears in text, json or markdown output (fixtures/security)', async () => {
  const dir = checkoutFixture('security');
  const SECRETS = ['Sup3rS3cretHunter2', 'mg-7f3kQ9zLw2pXv8Rt', 'AnotherKnownSecret99'];
  try {
    const { checklist: c } = await runChecklist(dir);
    // the checklist did find them (otherwise this test could not fail)
    assert.equal(item(c, 'secrets.credentials-in-code').status, 'fail');
    assert.equal(item(c, 'secrets.env-not-committed').status, 'fail');
    const outputs = {
      text: renderChecklistText(c, { color: false }),
      markdown: renderChecklistMarkdown(c),
      json: JSON.stringify(c),
      cliText: jobctl(['checklist', dir, '--ci']).stdout,
      cliJson: jobctl(['checklist', dir, '--json']).stdout,
      cliMarkdown: jobctl(['checklist', dir, '--ci', '--format', 'markdown']).stdout,
    };
    for (const [name, out] of Object.entries(outputs)) {
      assert.ok(out.length > 200, `${name} is empty`);
      for (const s of SECRETS) assert.ok(!out.includes(s), `${name} leaks ${s.slice(0, 2)}…`);
    }
    assert.match(outputs.markdown, /redis:\/\/:\*\*\*\*@redis:6379\/0/);
  } finally {
    removeDir(dir);
  }
});

test('deploy-containers: the shutdown-signal item fails on the worker a start script runs without exec and on multi under supervisord; its twin passes', async () => {
  const bad = checkoutFixture('deploy-containers');
  const good = checkoutFixture('deploy-containers-clean');
  try {
    const b = item((await runChecklist(bad)).checklist, 'reliability.shutdown-signal');
    assert.equal(b.status, 'fail');
    assert.deepEqual(b.evidence.map((e) => `${e.file}:${e.line} ${e.ruleId}`).sort(), ['deploy/reports-worker.sh:4 JC404', 'deploy/supervisor/celery-long.conf:3 JC405']);
    const g = item((await runChecklist(good)).checklist, 'reliability.shutdown-signal');
    assert.equal(g.status, 'pass');
  } finally {
    removeDir(bad);
    removeDir(good);
  }
});
