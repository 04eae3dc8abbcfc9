#!/usr/bin/env node
// jobctl entry point: oclif resolves commands from dist/src/commands (built by `npm run build`).
import { existsSync } from 'node:fs';
import { execute } from '@oclif/core';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(`jobctl: Node.js >= 22 is required (this is ${process.version}); install one with \`npm install -g node@24\` (as README says) or from your package manager.\n`);
  process.exit(2);
}
if (!existsSync(new URL('../dist/src/commands', import.meta.url))) {
  process.stderr.write('jobctl: not built (dist/src/commands is missing); run `npm run build` and read its errors\n');
  process.exit(2);
}
await execute({ dir: import.meta.url });
