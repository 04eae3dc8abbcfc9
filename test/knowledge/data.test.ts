// The shipped release data (src/knowledge/data/) is complete and consistent with facts checked by hand
// against PyPI and the published wheels (see docs/knowledge.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { satisfies } from '@renovatebot/pep440';
import {
  changesBetween,
  closestSettingNames,
  defaultIn,
  isKnownSetting,
  kombuFor,
  loadKnowledge,
  newNameFor,
  oldToNewIn,
  settingsIn,
} from '../../src/knowledge/index.js';

const k = loadKnowledge();

test('every final release 5.0.0..newest is present, oldest first, each with metadata and settings', () => {
  const versions = k.releases.map((r) => r.version);
  assert.equal(versions[0], '5.0.0');
  assert.equal(versions.at(-1), k.newestVersion);
  for (const line of ['5.0', '5.1', '5.2', '5.3', '5.4', '5.5', '5.6']) {
    assert.ok(versions.some((v) => v.startsWith(`${line}.`)), `no ${line}.x release`);
  }
  for (let i = 1; i < versions.length; i++) {
    const [a, b] = [versions[i - 1]!, versions[i]!].map((v) => v.split('.').map(Number));
    assert.ok(a![0]! < b![0]! || (a![0] === b![0] && (a![1]! < b![1]! || (a![1] === b![1] && a![2]! < b![2]!))), `${versions[i - 1]} before ${versions[i]}`);
  }
  for (const r of k.releases) {
    assert.ok(r.settings.length > 150, `${r.version}: only ${r.settings.length} settings`);
    assert.match(r.date ?? '', /^20\d\d-\d\d-\d\d$/, `${r.version}: date`);
    assert.ok(r.requiresPython, `${r.version}: requiresPython`);
    assert.ok(r.pythonClassifiers.length >= 3, `${r.version}: classifiers`);
    assert.ok('kombu' in r.requires, `${r.version}: kombu pin`);
    assert.ok(r.source.includes(r.version), `${r.version}: source`);
    for (const s of r.settings) assert.ok(k.settings.has(s), `${r.version}: ${s} missing from settings.json`);
  }
});

test('settings: since / removedIn / defaults computed across releases', () => {
  const since = (n: string) => k.settings.get(n)?.since;
  assert.equal(since('broker_connection_retry_on_startup'), '5.3.0');
  assert.equal(since('worker_soft_shutdown_timeout'), '5.5.0');
  assert.equal(since('worker_cancel_long_running_tasks_on_connection_loss'), '5.1.0');
  assert.equal(since('broker_url'), '<=5.0.0');
  assert.equal(since('worker_eta_task_limit'), '5.6.0');
  assert.equal(k.settings.get('task_queue_ha_policy')?.removedIn, '5.0.2');
  assert.ok(settingsIn('5.0.1')!.includes('task_queue_ha_policy'));
  assert.ok(!settingsIn('5.0.2')!.includes('task_queue_ha_policy'));
  assert.ok(!settingsIn('5.2.7')!.includes('broker_connection_retry_on_startup'));
  assert.ok(settingsIn('5.3.0')!.includes('broker_connection_retry_on_startup'));
  assert.equal(k.settings.get('broker_connection_retry_on_startup')?.default, 'None');
  assert.equal(k.settings.get('worker_soft_shutdown_timeout')?.default, '0.0');
  assert.equal(k.settings.get('task_default_queue_type')?.default, "'classic'");
  assert.equal(defaultIn('worker_concurrency', '5.1.2'), '0');
  assert.equal(defaultIn('worker_concurrency', '5.2.0'), 'None');
  assert.equal(defaultIn('database_engine_options', '5.6.2'), 'None');
  assert.equal(defaultIn('database_engine_options', '5.6.3'), "{'pool_pre_ping': True, 'pool_recycle': 3600}");
  assert.equal(defaultIn('control_queue_exclusive', '5.6.3'), 'False');
  assert.equal(defaultIn('broker_connection_retry_on_startup', '5.2.7'), null);
});

test('old -> new names come from _TO_NEW_KEY, not the docs table', () => {
  assert.equal(k.oldToNew.get('CELERYD_CONCURRENCY'), 'worker_concurrency');
  assert.equal(k.oldToNew.get('CELERY_ALWAYS_EAGER'), 'task_always_eager');
  assert.equal(k.oldToNew.has('CELERY_TASK_ALWAYS_EAGER'), false);
  assert.equal(newNameFor('CELERY_TASK_ALWAYS_EAGER'), null);
  assert.equal(newNameFor('BROKER_URL'), 'broker_url');
  assert.equal(newNameFor('CELERY_MESSAGE_COMPRESSION'), 'task_compression');
  assert.deepEqual(k.settings.get('task_always_eager')?.oldNames, ['CELERY_ALWAYS_EAGER']);
  const eager = k.docTableMismatches.find((d) => d.docOldName === 'CELERY_TASK_ALWAYS_EAGER');
  assert.equal(eager?.codeOldName, 'CELERY_ALWAYS_EAGER');
  assert.equal(k.docTableMismatches.find((d) => d.docOldName === 'CELERY_RESULT_DBURI')?.codeMapsDocOldNameTo, 'database_url');
  assert.ok(k.docTableMismatches.length >= 20);
  for (const d of k.docTableMismatches) assert.notEqual(k.oldToNew.get(d.docOldName), d.docNewName, d.docOldName);
  // the removed setting's alias exists only in the releases that had it
  assert.equal(oldToNewIn('5.0.1')!.get('CELERY_QUEUE_HA_POLICY'), 'task_queue_ha_policy');
  assert.equal(oldToNewIn('5.0.2')!.has('CELERY_QUEUE_HA_POLICY'), false);
});

test('yanked and withdrawn releases are marked as PyPI says', () => {
  const r525 = k.releases.find((r) => r.version === '5.2.5');
  assert.equal(r525?.yanked, true);
  assert.match(r525?.yankedReason ?? '', /regression/);
  assert.equal(k.releases.find((r) => r.version === '5.0.6')?.yanked, true);
  assert.equal(k.releases.find((r) => r.version === '5.2.6')?.yanked, false);
  // 5.3.2 / 5.3.3 have no files on PyPI at all (not even yanked ones): recorded as unpublished
  for (const v of ['5.3.2', '5.3.3']) {
    assert.equal(k.releases.find((r) => r.version === v), undefined, v);
    assert.ok(k.unpublishedReleases.some((u) => u.version === v), `${v} not in unpublishedReleases`);
  }
  assert.equal(k.releaseFor('5.2')?.version, '5.2.7');
  assert.equal(k.releaseFor('5.0')?.version, '5.0.5', 'newest non-yanked 5.0.x (5.0.6 is yanked)');
});

test('Python support and pins per release (from the wheels)', () => {
  for (const r of k.releases.filter((x) => x.version.startsWith('5.6.'))) assert.equal(r.requiresPython, '>=3.9', r.version);
  for (const r of k.releases.filter((x) => x.version.startsWith('5.5.'))) assert.equal(r.requiresPython, '>=3.8', r.version);
  assert.equal(k.releaseFor('5.3.0')?.requiresPython, '>=3.7');
  assert.equal(k.releaseFor('5.3.1')?.requiresPython, '>=3.8');
  // 5.0.x publish '>=3.6,' -- normalised so strict PEP 440 parsers accept it
  assert.equal(k.releaseFor('5.0.0')?.requiresPython, '>=3.6');
  for (const r of k.releases) assert.ok(satisfies('3.11', r.requiresPython!), `${r.version}: ${r.requiresPython}`);
  assert.equal(k.releaseFor('5.5.3')?.requires.kombu, '<5.6,>=5.5.2');
  assert.ok('kombu' in k.releaseFor('5.5.3')!.extras.redis!, 'celery[redis] 5.5.3 goes through kombu[redis]');
  assert.ok('redis' in k.releaseFor('5.5.2')!.extras.redis!, 'celery[redis] 5.5.2 pins redis-py directly');
  assert.match(k.releaseFor('5.2.0')!.extras.eventlet!.eventlet!, /python_version < "3.10"/);
  assert.equal('gcpubsub' in k.releaseFor('5.6.3')!.extras, false);
});

test('kombuFor: the kombu release a celery pin resolves to, with its redis extra', () => {
  const k553 = kombuFor('5.5.3');
  assert.ok(k553?.version.startsWith('5.5.'), k553?.version);
  assert.equal(k553?.extras.redis?.redis, '!=4.5.5,!=5.0.2,<=5.2.1,>=4.5.2');
  // 5.6.x has no upper bound on kombu; on Python 3.9 the newest kombu that still supports 3.9 is chosen
  const k56py39 = kombuFor('5.6.3', '3.9');
  assert.ok(k56py39 && satisfies('3.9', k56py39.requiresPython!), k56py39?.version);
  assert.ok(k56py39!.version.startsWith('5.6.'));
  assert.equal(kombuFor('4.4.7'), null);
  assert.ok(k.kombuReleases.length >= 20);
  assert.equal(k.kombuReleases[0]?.version, '5.0.0');
});

test('releaseFor specs', () => {
  assert.equal(k.releaseFor('5.6.2')?.version, '5.6.2');
  assert.equal(k.releaseFor('v5.6.2')?.version, '5.6.2');
  assert.equal(k.releaseFor('==5.6.2')?.version, '5.6.2');
  assert.equal(k.releaseFor('5.6')?.version, '5.6.3');
  assert.equal(k.releaseFor('latest')?.version, k.newestVersion);
  assert.equal(k.releaseFor('newest')?.version, k.newestVersion);
  assert.equal(k.releaseFor('>=5.5,<5.6')?.version, '5.5.3');
  assert.equal(k.releaseFor('~=5.4.0')?.version, '5.4.0');
  assert.equal(k.releaseFor('5.3.2'), null);
  // 3.1.x/4.x come from legacy-releases.json: a plan can start there; they are not in k.releases (5.x)
  assert.equal(k.releaseFor('4.4.7')?.legacy, true);
  assert.equal(k.releaseFor('4.4')?.version, '4.4.7');
  assert.equal(k.releaseFor('3.1.25')?.requires.kombu, '<3.1,>=3.0.37');
  assert.equal(k.releaseFor('<5')?.version, '4.4.7');
  assert.ok(!k.releases.some((r) => r.version.startsWith('4.')));
  assert.equal(k.releaseFor('3.0.0'), null);
  assert.equal(k.releaseFor('banana'), null);
  assert.equal(k.releaseFor(''), null);
});

test('helpers: isKnownSetting, closestSettingNames', () => {
  assert.equal(isKnownSetting('worker_concurrency'), true);
  assert.equal(isKnownSetting('CELERYD_CONCURRENCY'), true);
  assert.equal(isKnownSetting('CELERY_TASK_ALWAYS_EAGER'), false);
  assert.equal(isKnownSetting('broker_connection_retry_on_startup', '5.2.7'), false);
  assert.equal(isKnownSetting('broker_connection_retry_on_startup', '5.3'), true);
  assert.equal(isKnownSetting('task_queue_ha_policy'), false);
  assert.equal(isKnownSetting('task_queue_ha_policy', '5.0.0'), true);
  assert.deepEqual(closestSettingNames('worker_concurency', 1), ['worker_concurrency']);
  assert.deepEqual(closestSettingNames('CELERYD_CONCURENCY', 1), ['CELERYD_CONCURRENCY']);
  assert.equal(closestSettingNames('task_serializer', 5).length, 5);
});

test('behaviour changes: well-formed, cited, machine-checkable appliesWhen', () => {
  const ids = new Set<string>();
  const vocab = /^(always|django|pydantic|beat|quorum-queues|old-setting-names|cli|canvas|async-def-task|asyncio-in-task|legacy-cli-option|task-class|task-retry|eager|env:[A-Z][A-Z0-9_]*|task-class-member:[A-Za-z_]\w*|(setting|setting-unset):[a-z0-9_]+|(backend|transport):[a-z0-9+]+|python(<|<=|>|>=|==)3\.\d+|pool:(prefork|threads|solo|gevent|eventlet|custom)|extra:[a-z0-9_-]+|dependency:[a-z0-9._-]+|import:[a-zA-Z0-9_.]+|version:\d+\.\d+\.\d+)$/;
  for (const c of k.behaviourChanges) {
    assert.ok(!ids.has(c.id), `duplicate id ${c.id}`);
    ids.add(c.id);
    assert.ok([...k.legacyReleases, ...k.releases].some((r) => r.version === c.version) || k.unpublishedReleases.some((u) => u.version === c.version), `${c.id}: unknown version ${c.version}`);
    assert.ok(c.sources.length > 0 && c.sources.every((s) => s.title && s.ref), `${c.id}: sources`);
    assert.ok(c.appliesWhen.length > 0, `${c.id}: appliesWhen`);
    for (const a of c.appliesWhen.flatMap((x) => x.split('&'))) {
      assert.match(a, vocab, `${c.id}: '${a}' is not in the appliesWhen vocabulary (types.ts)`);
      const m = /^(setting|setting-unset):(.+)$/.exec(a);
      if (m) assert.ok(k.settings.has(m[2]!), `${c.id}: unknown setting ${m[2]}`);
    }
  }
  for (const id of ['5.3-broker-connection-retry-on-startup', '5.5-database-create-tables-at-setup', '5.7-python', '5.7-exclusive-control-event-queues']) {
    assert.ok(ids.has(id), id);
  }
  const between = changesBetween('5.4.0', '5.5.3').map((c) => c.id);
  assert.ok(between.includes('5.5-database-create-tables-at-setup'));
  assert.ok(!between.includes('5.3-broker-connection-retry-on-startup'));
  assert.ok(!between.some((id) => id.startsWith('false-claim-')));
});

test('5.7.0 facts in behaviour-changes.json agree with the generated data', () => {
  const r = k.releaseFor('5.7.0');
  if (!r) return; // data generated before 5.7.0 existed
  assert.equal(r.requiresPython, '>=3.10');
  assert.equal(defaultIn('control_queue_exclusive', '5.7.0'), 'True');
  assert.equal(k.settings.get('task_acks_on_failure')?.since, '5.7.0');
  assert.equal(k.settings.get('task_acks_on_failure_or_timeout')?.deprecateBy, '6.0');
  const fresh = r.settings.filter((s) => !settingsIn('5.6.3')!.includes(s)).sort();
  const entry = k.behaviourChanges.find((c) => c.id === '5.7-new-settings')!;
  assert.deepEqual(entry.appliesWhen.map((a) => a.replace('setting:', '')).sort(), fresh);
});
