// `jobctl init`: without a TTY it writes what it detected and exits 0; in a real pseudo-terminal
// (Python's pty, driving the @inquirer prompts with keystrokes) it asks what it could not detect;
// it never overwrites jobctl.yaml without --force; the file it writes is one jobctl reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { jobctl, show } from '../support/cli.js';
import { fixturesDir, removeDir, repoRoot } from '../support/fixtures.js';
import { loadConfig } from '../../src/engine/config.js';
import { loadKnowledge } from '../../src/knowledge/index.js';

function project(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'jobctl-init-'));
  cpSync(path.join(fixturesDir, 'runtime-good-app'), dir, { recursive: true });
  rmSync(path.join(dir, 'jobctl.yaml'));
  return dir;
}
const noVenv = { VIRTUAL_ENV: undefined, CI: undefined };

test('init without a TTY: writes the detected app, target and a smoke skeleton from the task signatures; exit 0; no overwrite without --force', { timeout: 60_000 }, async () => {
  const dir = project();
  try {
    const r = await jobctl(['init', dir], { env: noVenv });
    assert.equal(r.code, 0, show(r));
    const text = readFileSync(path.join(dir, 'jobctl.yaml'), 'utf8');
    const data = YAML.parse(text) as Record<string, unknown>;
    assert.equal(data.app, 'proj.celery_app:celery_app');
    assert.equal(data.target, loadKnowledge().newestVersion.split('.').slice(0, 2).join('.'));
    assert.equal(data.python, undefined, 'python3 from PATH is a guess, not written');
    assert.match(text, /^# {5}- name: proj\.tasks\.add {2}# proj\/tasks\.py:\d+ \(x, y\)\n# {7}args: \[<x>, <y>\]$/m);
    assert.match(text, /^# {5}- name: proj\.tasks\.fetch_double/m);
    // jobctl reads what init wrote
    const config = await loadConfig(dir);
    assert.deepEqual([config.app, config.target, config.warnings ?? []], ['proj.celery_app:celery_app', data.target, []]);

    const again = await jobctl(['init', dir], { env: noVenv });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /jobctl\.yaml already exists; pass --force to overwrite it/);
    const forced = await jobctl(['init', dir, '--force'], { env: noVenv });
    assert.equal(forced.code, 0, show(forced));
  } finally {
    removeDir(dir);
  }
});

/** Runs argv in a pseudo-terminal; each step waits for its pattern in the output, then types keys. */
function inPty(argv: string[], steps: [RegExp, string][], env: Record<string, string | undefined>): { code: number; output: string } {
  const driver = String.raw`
import json, os, pty, re, select, sys, time
argv, steps = json.loads(sys.argv[1]), json.loads(sys.argv[2])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
out = b''
def read(deadline):
    global out
    r, _, _ = select.select([fd], [], [], max(0, deadline - time.time()))
    if not r: return False
    try: chunk = os.read(fd, 65536)
    except OSError: return None
    if not chunk: return None
    out += chunk
    return True
start = 0  # each pattern is looked for in the output since the previous keystrokes
for pattern, keys in steps:
    deadline = time.time() + 30
    while not re.search(pattern, out[start:].decode('utf8', 'replace')):
        if time.time() > deadline or read(deadline) is None:
            sys.stdout.write(json.dumps({'code': -1, 'output': out.decode('utf8', 'replace') + '\n[waiting for ' + pattern + ']'})); sys.exit(0)
    time.sleep(0.2)
    start = len(out)
    for k in keys:
        os.write(fd, k.encode()); time.sleep(0.05)
deadline = time.time() + 30
while read(deadline) not in (None, False): pass
_, status = os.waitpid(pid, 0)
sys.stdout.write(json.dumps({'code': os.waitstatus_to_exitcode(status), 'output': out.decode('utf8', 'replace')}))
`;
  const fullEnv: Record<string, string | undefined> = { ...process.env, TERM: 'xterm', NO_COLOR: '1', ...env };
  for (const k of Object.keys(fullEnv)) if (fullEnv[k] === undefined) delete fullEnv[k];
  const r = spawnSync('python3', ['-c', driver, JSON.stringify(argv), JSON.stringify(steps.map(([re, keys]) => [re.source, keys]))], { env: fullEnv as NodeJS.ProcessEnv, encoding: 'utf8', timeout: 120_000 });
  return JSON.parse(r.stdout) as { code: number; output: string };
}

test('init in a terminal: confirms the detected app, asks for the Python it could not find, offers the target lines', { timeout: 120_000 }, () => {
  const dir = project();
  try {
    const lines = [...new Set(loadKnowledge().releases.map((r) => r.version.split('.').slice(0, 2).join('.')))];
    const secondNewest = lines[lines.length - 2]!;
    const r = inPty([process.execPath, path.join(repoRoot, 'bin', 'run.js'), 'init', dir], [
      [/Celery app \(the -A value\)/, '\r'], // accept the detected default
      [/The project's Python/, '/opt/venvs/proj/bin/python\r'],
      [/Celery version to check against/, '\x1b[B\r'], // one line down from the newest
    ], noVenv);
    assert.equal(r.code, 0, r.output);
    const data = YAML.parse(readFileSync(path.join(dir, 'jobctl.yaml'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual([data.app, data.python, data.target], ['proj.celery_app:celery_app', '/opt/venvs/proj/bin/python', secondNewest], r.output);
    assert.match(readFileSync(path.join(dir, 'jobctl.yaml'), 'utf8'), /# the project's Python, with Celery installed \(given in jobctl init\)/);
  } finally {
    removeDir(dir);
  }
});
