import type { Rule } from './types.js';
import { isDevOnlyFile, isLiteralSecretValue, isSecretName, urlPassword } from './lib/secrets.js';

export const rule: Rule = {
  meta: {
    id: 'JC503',
    name: 'env-file-committed',
    band: 'security',
    severity: 'warning',
    confidence: 'high',
    title: 'A .env file with secrets is committed to git',
    description: 'A `.env` file tracked by git ships its secrets to everyone with read access to the repository, to every fork and CI cache, forever (history keeps them after deletion). Only templates (`.env.example`, `.env.sample`, `.env.template`) belong in git. jobctl asks git which files are tracked; values are never printed. Development-only env files (`.devcontainer/*.env`, `.env.local`, `*.dev.env`) are reported as info.',
    fix: 'Remove it from git (`git rm --cached .env`, add it to .gitignore), commit a `.env.example` with placeholders, and rotate the secrets it held.',
    sources: [{ title: 'GitHub docs: Removing sensitive data from a repository', ref: 'https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/removing-sensitive-data-from-a-repository' }],
  },
  check(ctx) {
    for (const env of ctx.model.envFiles) {
      if (env.gitTracked !== true) continue;
      if (/(example|sample|template|dist|defaults?)([.-]|$)/i.test(env.file.split('/').pop()!)) continue;
      const secrets = env.vars.filter((v) => urlPassword(v.value) !== null || (isSecretName(v.key) && isLiteralSecretValue(v.value)));
      if (secrets.length === 0) continue;
      const first = secrets[0]!;
      if (isDevOnlyFile(env.file)) {
        ctx.report({ loc: first.loc, key: env.file, severity: 'info', message: `${env.file} is committed and holds ${secrets.length} secret-looking value${secrets.length === 1 ? '' : 's'} (a development-only file)`, hint: 'fine for throw-away local defaults; never reuse them in production' });
        continue;
      }
      ctx.report({ loc: first.loc, key: env.file, message: `${env.file} is committed to git and holds ${secrets.length} secret${secrets.length === 1 ? '' : 's'} (${secrets.map((v) => `\`${v.key}\``).join(', ')})`, hint: `git rm --cached ${env.file}; keep a .env.example with placeholders; rotate the values` });
    }
  },
};
