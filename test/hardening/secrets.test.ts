// Secrets by construction (probe.md D2, D6, D8): distinct markers planted in every channel jobctl
// reads; every output of every command in every format is searched for them (and for the tails of
// passwords that contain `@` or `:`), and the --format diff patch still applies with `git apply`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jobctl, jobctlAll, show, type Run } from '../support/cli.js';
import { maskText } from '../../src/util/mask.js';
import { ensureCeleryVenv } from '../../src/runtime/venvs.js';
import { removeTmp, startJobctl } from './helpers.js';

const FILES: Record<string, string> = {
  'proj/__init__.py': '',
  'proj/celery_app.py': 'from celery import Celery\n\napp = Celery("proj")\napp.config_from_object("proj.celeryconfig")\n\n\n@app.task\ndef add(x, y):\n    return x + y\n',
  'proj/celeryconfig.py': [
    'BROKER_URL = "redis://:S3cr3tMarker_01@127.0.0.1:1/0"',
    'CELERY_RESULT_BACKEND = "redis://worker:S3cr3tMarker_02@127.0.0.1:1/1"',
    'BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "sentinel_kwargs": {"password": "S3cr3tMarker_13"}}',
    'AT_COLON_BROKER = "redis://:S3cr3tMarker_11@at:colon@127.0.0.1:1/0"',
    'URL_ENCODED_BROKER = "redis://:S3cr3tMarker_10%40enc%3Aoded@127.0.0.1:1/0"',
    'SAME_USER_BROKER = "redis://S3cr3tMarker_19:S3cr3tMarker_19@127.0.0.1:1/0"',
    'EMAIL_HOST_PASSWORD = "S3cr3tMarker_09"',
    'SMTP_PASSWORD = "S3cr3tMarker_09b"',
    'CELERY_TASK_SERIALIZER = "json"',
    '',
  ].join('\n'),
  '.env': 'REDIS_PASSWORD=S3cr3tMarker_03\nCELERY_BROKER_URL=redis://:S3cr3tMarker_03b@redis:6379/0\nSECRET_KEY=\'S3cr3tMarker_03c\'\nAPI_TOKEN="S3cr3tMarker_03d"\n',
  'docker-compose.yml': [
    'services:',
    '  redis:',
    '    image: redis:7',
    '    command: redis-server --requirepass S3cr3tMarker_05',
    '  worker:',
    '    build: .',
    '    command: celery worker -A proj.celery_app -b redis://:S3cr3tMarker_05b@redis:6379/0',
    '    environment:',
    '      - REDIS_PASSWORD=S3cr3tMarker_04',
    '      - CELERY_BROKER_URL=redis://:S3cr3tMarker_04c@redis:6379/0',
    '  beat:',
    '    build: .',
    '    command: ["celery", "-A", "proj.celery_app", "beat", "--broker", "redis\\\\://\\\\:S3cr3tMarker_05c\\\\@redis\\\\:6379/0"]',
    '    environment:',
    '      DB_PASSWORD: S3cr3tMarker_04b',
    '      CELERY_RESULT_BACKEND: "redis://:S3cr3tMarker_04d@redis:6379/1"',
    '',
  ].join('\n'),
  Dockerfile: 'FROM python:3.11-slim\nENV REDIS_PASSWORD=S3cr3tMarker_06\nARG API_TOKEN=S3cr3tMarker_06b\nCMD celery -A proj.celery_app worker -b redis://:S3cr3tMarker_06c@redis:6379/0\n',
  'redis.conf': 'port 6379\nrequirepass S3cr3tMarker_07\nmasterauth S3cr3tMarker_07m\nuser app on >S3cr3tMarker_07b ~* +@all\n',
  'deploy/celery.service': '[Unit]\nDescription=worker\n\n[Service]\nEnvironment="REDIS_PASSWORD=S3cr3tMarker_15b"\nEnvironment=CELERY_BROKER_URL=redis://:S3cr3tMarker_15@redis:6379/0\nExecStart=/usr/bin/celery worker -A proj.celery_app --loglevel=INFO\n\n[Install]\nWantedBy=multi-user.target\n',
  'deploy/supervisord.conf': '[program:celery]\ncommand=celery worker -A proj.celery_app --loglevel=INFO\nenvironment=CELERY_RESULT_BACKEND="redis://:S3cr3tMarker_18@redis:6379/1",REDIS_PASSWORD="S3cr3tMarker_18c"\n',
  // the worker line gets an edit (option order); the credential is more than 3 lines away (outside the hunk)
  Procfile: 'worker: celery worker -A proj.celery_app --loglevel=INFO\nweb: gunicorn proj.wsgi\nclock: python clock.py\nflower: celery -A proj.celery_app flower\nmonitor: python monitor.py\nrelease: redis-cli -a S3cr3tMarker_14 ping\n',
  'requirements.txt': 'celery[redis]==5.3.4\n--extra-index-url https://ci:S3cr3tMarker_17@pypi.example.com/simple\n',
  'jobctl.yaml': 'app: proj.celery_app:app\n',
};

let proj = '';
const LEAK = /S3cr3tMarker|at:colon@|enc%3Aoded/;

before(() => {
  proj = mkdtempSync(path.join(os.tmpdir(), 'jobctl-secrets-'));
  for (const [f, text] of Object.entries(FILES)) {
    mkdirSync(path.dirname(path.join(proj, f)), { recursive: true });
    writeFileSync(path.join(proj, f), text);
  }
});
after(() => rmSync(proj, { recursive: true, force: true }));

function leaks(r: Run, files: string[] = []): string[] {
  const out: string[] = [];
  for (const [name, text] of [['stdout', r.stdout], ['stderr', r.stderr], ...files.map((f) => [f, readFileSync(f, 'utf8')])] as [string, string][]) {
    for (const line of text.split('\n')) if (LEAK.test(line)) out.push(`${name}: ${line.trim().slice(0, 200)}`);
  }
  return out;
}

test('maskText: positions, not values', () => {
  const cases: [string, string][] = [
    ['redis://:p@ss@10.0.0.1:6379/0', 'redis://:****@10.0.0.1:6379/0'],
    ['redis://probeuser:S3cr3t@Marker:B2@127.0.0.1:16391/0', 'redis://probeuser:****@127.0.0.1:16391/0'],
    ['redis\\://\\:pw12345\\@redis\\:6379/0', 'redis\\://\\:****\\@redis\\:6379/0'],
    ['redis://same:same@h/0', 'redis://****:****@h/0'],
    ['redis://:${REDIS_PASSWORD}@h/0', 'redis://:${REDIS_PASSWORD}@h/0'],
    ['Environment="REDIS_PASSWORD=abc"', 'Environment="REDIS_PASSWORD=****"'],
    ['environment=A="x",REDIS_PASSWORD="abc"', 'environment=A="x",REDIS_PASSWORD="****"'],
    ['{"visibility_timeout": 3600, "sentinel_kwargs": {"password": "abc"}}', '{"visibility_timeout": 3600, "sentinel_kwargs": {"password": "****"}}'],
    ['requirepass hunter2', 'requirepass ****'],
    ['redis-server --requirepass hunter2 --port 1', 'redis-server --requirepass **** --port 1'],
    ['user app on >pw1 ~* +@all', 'user app on >**** ~* +@all'],
    ['a password shorter than 8 characters; password: the word stays', 'a password shorter than 8 characters; password: the word stays'],
    ['PASSWORD_RESET_TIMEOUT=3600', 'PASSWORD_RESET_TIMEOUT=3600'],
    ['password=os.environ["X"]', 'password=os.environ["X"]'],
    ['sentry_sdk.init(dsn=SENTRY_DSN, environment="prod")', 'sentry_sdk.init(dsn=SENTRY_DSN, environment="prod")'],
    ['connect(host, password="hunter22")', 'connect(host, password="****")'],
    ['Redis requires authentication (requirepass or ACL users)', 'Redis requires authentication (requirepass or ACL users)'],
    ['`redis.conf:2` `requirepass hunter2`', '`redis.conf:2` `requirepass ****`'],
    ['# Production readiness checklist — mozilla+kitsune@034efac789', '# Production readiness checklist — mozilla+kitsune@034efac789'],
    // a credential quoted in prose (an exception message): the token after the word, only when it reads like one
    ['cannot reach broker redis://:S3cr3tMarker_E1@tail@127.0.0.1:1/0 with password S3cr3tMarker_E2', 'cannot reach broker redis://:****@127.0.0.1:1/0 with password ****'],
    ['the token is ab12cd34ef56.', 'the token is ****.'],
    ['choose a password of at least 12 characters', 'choose a password of at least 12 characters'],
  ];
  for (const [input, want] of cases) assert.equal(maskText(input), want, input);
});

test('masking hides credentials, not advice: a project without secrets prints no mask in its plan or audit', async () => {
  // JC504's hint once ended "…and set --requirepass", and the source text that followed it was masked as if it were the password
  const runs = await jobctlAll([
    ['upgrade-plan', 'fixtures/redis-exposure', '--to', '5.7.0'],
    ['audit', 'fixtures/redis-exposure', '--format', 'markdown'],
  ]);
  for (const r of runs) {
    assert.doesNotMatch(r.stdout, /\*\*\*\*/, show(r));
    assert.match(r.stdout, /requirepass directive/, show(r));
  }
});

test('D2/D6: no marker in any static command output, in any format, or written file', async () => {
  const o = (name: string): string => path.join(proj, '..', `${path.basename(proj)}-${name}`);
  const outFiles = [o('a.md'), o('a.sarif'), o('c.md'), o('p.md'), o('p.json'), o('v.md'), o('v.xml')];
  const runs = await jobctlAll([
    ...['text', 'json', 'sarif', 'github', 'markdown'].map((f) => ['audit', proj, '--format', f]),
    ['audit', proj, '--json'],
    ['audit', proj, '-o', outFiles[0]!, '--sarif-output', outFiles[1]!],
    ...['text', 'markdown', 'json'].map((f) => ['checklist', proj, '--ci', '--format', f]),
    ['checklist', proj, '--ci', '--json'],
    ['checklist', proj, '--ci', '--format', 'markdown', '-o', outFiles[2]!],
    ['upgrade-plan', proj, '--to', '5.6', '--format', 'markdown'],
    ['upgrade-plan', proj, '--to', '5.6', '--format', 'diff'],
    ['upgrade-plan', proj, '--to', '5.6', '--json'],
    ['upgrade-plan', proj, '--to', '5.6', '-o', outFiles[3]!],
    ['upgrade-plan', proj, '--to', '5.6', '--json', '-o', outFiles[4]!],
    ['rules', 'JC502'],
    // verify's static stage (the audit for the version under test): text, markdown file, JSON and JUnit
    ['verify', proj, '--stages', 'static'],
    ['verify', proj, '--stages', 'static', '--format', 'markdown', '-o', outFiles[5]!],
    ['verify', proj, '--stages', 'static', '--to', '5.6', '--json', '--junit', outFiles[6]!],
  ]);
  const found: string[] = [];
  for (const r of runs) {
    assert.ok(r.code !== null && r.code <= 1, show(r));
    found.push(...leaks(r).map((l) => `${r.args.slice(0, 4).join(' ')} → ${l}`));
  }
  for (const f of outFiles) found.push(...leaks({ args: [], code: 0, signal: null, stdout: '', stderr: '' }, [f]));
  for (const f of outFiles) rmSync(f, { force: true });
  assert.deepEqual(found, []);
  // positions, not values: the visibility timeout and the word "password" stay readable
  const checklistMd = runs.find((r) => r.args[0] === 'checklist' && r.args.includes('markdown'))!;
  assert.match(checklistMd.stdout, /3600/);
  const audit = runs[0]!;
  assert.match(audit.stdout, /password/i);
  assert.match(audit.stdout, /redis:\/\/:\*\*\*\*@/);
});

test('init: what it prints and the jobctl.yaml it writes hold no marker', async () => {
  const copy = mkdtempSync(path.join(os.tmpdir(), 'jobctl-secrets-init-'));
  try {
    cpSync(proj, copy, { recursive: true });
    const r = await jobctl(['init', copy, '--no-input', '--force']);
    assert.equal(r.code, 0, show(r));
    assert.match(readFileSync(path.join(copy, 'jobctl.yaml'), 'utf8'), /^app: "?proj\.celery_app/m);
    assert.deepEqual(leaks(r, [path.join(copy, 'jobctl.yaml')]), []);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});

test('D8: the --format diff patch applies with git apply, and leaves credential-bearing files out by name', async () => {
  const copy = mkdtempSync(path.join(os.tmpdir(), 'jobctl-secrets-git-'));
  try {
    cpSync(proj, copy, { recursive: true });
    execFileSync('git', ['init', '-q'], { cwd: copy });
    const r = await jobctl(['upgrade-plan', copy, '--to', '5.6', '--format', 'diff']);
    assert.equal(r.code, 0, show(r));
    assert.deepEqual(leaks(r), []);
    assert.match(r.stdout, /^--- a\/Procfile$/m, 'the patch has the file without credentials');
    assert.match(r.stderr, /left out of the patch: its lines hold a credential/);
    writeFileSync(path.join(copy, 'upgrade.patch'), r.stdout);
    execFileSync('git', ['apply', '--check', 'upgrade.patch'], { cwd: copy });
    // --apply still writes the real values (never ****)
    const a = await jobctl(['upgrade-plan', copy, '--to', '5.6', '--apply']);
    assert.deepEqual(leaks(a), []);
    for (const f of readdirSync(path.join(copy, 'deploy'))) assert.doesNotMatch(readFileSync(path.join(copy, 'deploy', f), 'utf8'), /\*\*\*\*/);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});

test('D6: an import error that quotes a broker URL with `@` in its password and a password in prose prints neither', async () => {
  const py = ensureCeleryVenv('5.7.0');
  const d = mkdtempSync(path.join(os.tmpdir(), 'jobctl-secrets-err-'));
  try {
    mkdirSync(path.join(d, 'proj'));
    writeFileSync(path.join(d, 'proj', '__init__.py'), '');
    writeFileSync(path.join(d, 'proj', 'celery_app.py'), 'from celery import Celery\n\napp = Celery("proj")\nraise RuntimeError("cannot reach broker redis://:S3cr3tMarker_E1@tail@127.0.0.1:1/0 with password S3cr3tMarker_E2")\n');
    writeFileSync(path.join(d, 'jobctl.yaml'), 'app: proj.celery_app:app\n');
    for (const args of [['smoke-test', d, '--python', py], ['smoke-test', d, '--python', py, '--json']]) {
      const r = await jobctl(args, { timeoutMs: 90_000 });
      assert.equal(r.code, 3, show(r));
      assert.match(r.stdout + r.stderr, /RuntimeError: cannot reach broker redis:\/\/:\*\*\*\*@127\.0\.0\.1:1\/0 with password \*\*\*\*/);
      assert.deepEqual(leaks(r).concat((r.stdout + r.stderr).includes('tail@127') ? ['tail@127'] : []), []);
    }
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('D6: runtime outputs (smoke-test text and --json, load-test --json and HTML) print no marker', async () => {
  const py = ensureCeleryVenv('5.7.0');
  const html = path.join(proj, '..', `${path.basename(proj)}-load.html`);
  try {
    // run in the background so that every /proc/*/cmdline is searched while they run
    const runs: Run[] = [];
    const cmdlines = new Set<string>();
    for (const args of [
      ['smoke-test', proj, '--python', py],
      ['smoke-test', proj, '--python', py, '--json'],
      ['load-test', proj, '--python', py, '-A', 'proj.celery_app:app', '--task', 'proj.celery_app.add', '--args', '[1,2]', '-n', '50', '-c', '5', '--json', '--report', html],
    ]) {
      const b = startJobctl(args);
      const code = await b.done;
      for (const c of b.cmdlines) cmdlines.add(c);
      runs.push({ args, code, signal: null, stdout: b.stdout(), stderr: b.stderr() });
      removeTmp(b);
    }
    assert.ok(cmdlines.size > 0);
    assert.deepEqual([...cmdlines].filter((c) => LEAK.test(c)), [], 'a secret on a process command line');
    const found: string[] = [];
    for (const r of runs) found.push(...leaks(r).map((l) => `${r.args[0]} → ${l}`));
    for (const r of runs) assert.ok(r.code === 0 || r.code === 1, show(r));
    found.push(...leaks({ args: [], code: 0, signal: null, stdout: '', stderr: '' }, [html]));
    assert.deepEqual(found, []);
  } finally {
    rmSync(html, { force: true });
  }
});
