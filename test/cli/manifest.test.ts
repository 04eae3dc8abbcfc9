// The oclif manifest (generated at build, shipped in the package) lets oclif load only the command it
// runs. It must describe exactly the built commands, and a manifest older than the build is not trusted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../support/fixtures.js';

const manifestPath = path.join(repoRoot, 'oclif.manifest.json');
const commandsDir = path.join(repoRoot, 'dist', 'src', 'commands');

function generate(): { commands: Record<string, { flags: Record<string, unknown> }> } {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'gen-oclif-manifest.mjs')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(readFileSync(manifestPath, 'utf8')) as { commands: Record<string, { flags: Record<string, unknown> }> };
}

function jobctl(args: string[]): string {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'run.js'), ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('the generated manifest lists every built command with its flags', async () => {
  const manifest = generate();
  // a command in a folder is a topic's subcommand: commands/load-test/merge.js is `load-test:merge`
  const ids = readdirSync(commandsDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js')).map((f) => f.slice(0, -3).split(path.sep).join(':')).sort();
  assert.deepEqual(Object.keys(manifest.commands).sort(), ids);
  for (const id of ids) {
    const mod = await import(pathToFileURL(path.join(commandsDir, `${id.split(':').join(path.sep)}.js`)).href) as { default: { flags?: Record<string, unknown>; baseFlags?: Record<string, unknown>; enableJsonFlag?: boolean } };
    const cls = mod.default;
    const flags = Object.keys({ ...cls.baseFlags, ...cls.flags }).filter((f) => f !== 'json');
    for (const f of flags) assert.ok(f in manifest.commands[id]!.flags, `${id}: --${f} missing from the manifest`);
  }
  assert.match(jobctl(['--help']), /upgrade-plan/);
});

test('a manifest older than the built commands is ignored: commands come from the code', () => {
  const good = readFileSync(manifestPath, 'utf8');
  const stale = JSON.parse(good) as { commands: Record<string, { summary?: string; description?: string }> };
  stale.commands.audit!.summary = 'STALE-MANIFEST-MARKER';
  stale.commands.audit!.description = 'STALE-MANIFEST-MARKER';
  try {
    writeFileSync(manifestPath, JSON.stringify(stale));
    assert.match(jobctl(['--help']), /STALE-MANIFEST-MARKER/, 'a current manifest is used as written');
    utimesSync(manifestPath, new Date(0), new Date(0));
    assert.doesNotMatch(jobctl(['--help']), /STALE-MANIFEST-MARKER/);
  } finally {
    writeFileSync(manifestPath, good);
  }
});
