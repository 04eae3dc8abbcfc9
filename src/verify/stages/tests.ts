// Stage 6 — tests: the project's own test suite (pytest, detected from its files) under the
// version being verified, in that version's venv. No cache files are written into the project.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { runInGroup } from '../exec.js';
import type { ProjectModel } from '../../model/types.js';
import { venvFor, type VerifyContext } from '../context.js';
import { workspaceFor } from '../workspace.js';
import { deployedEnv } from '../../runtime/deployed.js';
import type { StageResult } from '../types.js';

/** pytest is the runner when the project configures it or has test_*.py / *_test.py files. */
export function detectPytest(root: string, model: ProjectModel): boolean {
  if (['pytest.ini', 'conftest.py'].some((f) => existsSync(path.join(root, f)))) return true;
  if (model.files.some((f) => /(^|\/)(pyproject\.toml|setup\.cfg|tox\.ini)$/.test(f.file) && /\[(tool[.:])?pytest/.test(f.text))) return true;
  return model.files.some((f) => /(^|\/)(test_[^/]+|[^/]+_test)\.py$/.test(f.file));
}

export async function testsStage(ctx: VerifyContext): Promise<Omit<StageResult, 'id' | 'title' | 'durationMs'>> {
  if (!ctx.hasTests) return { status: 'skip', reason: 'no test suite found (pytest.ini, conftest.py, [tool.pytest.ini_options] or test_*.py)', evidence: [] };
  const side = ctx.sides.find((s) => s.role === 'target') ?? ctx.sides[0]!;
  const ws = await workspaceFor(ctx, side);
  const venv = await venvFor(ctx, side);
  const r = await runInGroup(venv.python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', '--color=no'], {
    cwd: testsCwd(ws.root, ws.appDir), signal: ctx.signal, timeout: 15 * 60_000,
    env: { ...(ctx.app ? deployedEnv(ws.model, ctx.app).env : {}), ...ctx.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONPATH: [ws.appDir, ws.root].join(path.delimiter) }, extendEnv: false,
  });
  const lines = String(r.all ?? '').trim().split('\n');
  const summary = [...lines].reverse().find((l) => /\b(passed|failed|error|no tests ran)\b/.test(l)) ?? `exit ${r.exitCode}`;
  // pytest's short summary: which test failed or errored, and with what
  const which = lines.filter((l) => /^(FAILED|ERROR) \S*(::| - )/.test(l)).slice(0, 5).map((l) => l.slice(0, 300));
  const evidence = [`python -m pytest under celery ${side.celery}: ${summary.replace(/=+/g, '').trim()}`, ...which];
  // pytest exit 5 = no tests collected
  if (r.exitCode === 5) return { status: 'skip', reason: 'pytest collected no tests', evidence };
  return r.exitCode === 0 ? { status: 'pass', evidence } : { status: 'fail', reason: `the project's tests fail under celery ${side.celery}: ${summary.replace(/=+/g, '').trim()}`, evidence };
}

/**
 * Where pytest runs: the app's folder when the suite lives there (project/tests next to project/main.py,
 * run from the Dockerfile's WORKDIR: relative paths such as StaticFiles(directory="static") resolve
 * there), else the project root.
 */
function testsCwd(root: string, appDir: string): string {
  if (appDir === root) return root;
  return ['pytest.ini', 'conftest.py', 'tests', 'setup.cfg', 'pyproject.toml', 'tox.ini'].some((f) => existsSync(path.join(appDir, f))) ? appDir : root;
}
