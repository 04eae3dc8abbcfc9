#!/usr/bin/env node
// Writes oclif.manifest.json (the command list with flags and args) after the TypeScript build, so that
// at run time oclif loads only the one command it runs instead of importing every command module (and
// with them ioredis, the histogram library, ts-morph...) just to learn their names. Uses @oclif/core's
// own Plugin loader, the same thing `oclif manifest` does, without the heavy `oclif` dev package.
import { writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Plugin } from '@oclif/core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'oclif.manifest.json');
rmSync(out, { force: true }); // a stale manifest must not be read while the new one is built
const plugin = new Plugin({ root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true });
await plugin.load();
if (Object.keys(plugin.manifest.commands).length === 0) {
  console.error('gen-oclif-manifest: no commands found under dist/src/commands; run the TypeScript build first');
  process.exit(2);
}
writeFileSync(out, `${JSON.stringify(plugin.manifest, null, 2)}\n`);
console.error(`gen-oclif-manifest: ${Object.keys(plugin.manifest.commands).length} commands → oclif.manifest.json`);
