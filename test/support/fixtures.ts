// Fixture helpers: copy a fixture into a temp git repository (so "tracked by git" facts are real)
// and read the findings it is annotated with (`# expect: JC101, JC102` and expect.txt).
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

export const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..');
export const fixturesDir = path.join(repoRoot, 'fixtures');

export function listAuditFixtures(): string[] {
  return readdirSync(fixturesDir)
    .filter((d) => statSync(path.join(fixturesDir, d)).isDirectory() && !d.startsWith('runtime-') && !d.startsWith('drill-'))
    .sort();
}

/** Copy fixtures/<name> into a fresh temp git repo with every file committed. Caller removes it. */
export function checkoutFixture(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `jobctl-fx-${name}-`));
  cpSync(path.join(fixturesDir, name), dir, { recursive: true });
  const git = (...args: string[]): void => {
    execFileSync('git', args, { cwd: dir, stdio: 'ignore', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
  };
  git('init', '-q');
  git('add', '-A', '-f');
  git('commit', '-q', '-m', 'fixture');
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

// `# expect:` in Python/YAML/TOML/shell, `// expect:` in TypeScript/JavaScript fixtures
const EXPECT = /(?:#|\/\/)\s*expect:\s*((?:JC\d{3}\s*,?\s*)+)/i;

/** 'path:line JC101' strings the fixture says it must produce. */
export function expectedFindings(name: string): string[] {
  const root = path.join(fixturesDir, name);
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (entry.name === '__pycache__' || entry.name === 'node_modules') continue;
        walk(r);
      } else if (entry.isFile() && r !== 'expect.txt' && r !== 'README.md' && !r.endsWith('.md')) {
        const text = readFileSync(path.join(root, r), 'utf8');
        if (text.includes('\0')) continue;
        text.split(/\r?\n/).forEach((line, i) => {
          const m = EXPECT.exec(line);
          if (!m) return;
          for (const id of m[1]!.split(',').map((s) => s.trim()).filter(Boolean)) out.push(`${r}:${i + 1} ${id.toUpperCase()}`);
        });
      }
    }
  };
  walk('');
  const extra = path.join(root, 'expect.txt');
  if (existsSync(extra)) {
    for (const line of readFileSync(extra, 'utf8').split(/\r?\n/)) {
      const t = line.replace(/#.*$/, '').trim();
      if (!t) continue;
      const m = /^(\S+):(\d+)\s+(JC\d{3})$/i.exec(t);
      if (!m) throw new Error(`fixtures/${name}/expect.txt: cannot read line "${line}" (want: path:LINE JC123)`);
      out.push(`${m[1]}:${m[2]} ${m[3]!.toUpperCase()}`);
    }
  }
  return out.sort();
}

/** A small project written from a path → text map into a fresh temp dir (caller removes it). */
export function writeProject(files: Record<string, string>, prefix = 'jobctl-project-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}
