// Where a Procfile's processes run. A Procfile alone may be honcho/foreman on a laptop; next to the files of a
// platform that runs each process in a container with a CPU share (Cloud Foundry `manifest.yml` with
// `applications:`, AWS Copilot's `copilot/`/`.copilot/`, Heroku's `app.json`/`heroku.yml`, a buildpack's
// `runtime.txt`, or a Heroku `release:` process) its workers run there: os.cpu_count() in such an instance is the
// host's CPU count, not the instance's share.
import path from 'node:path';
import type { WorkerCommand } from '../types.js';

export interface PlatformEvidence {
  name: string;
  file: string;
}

/** the platform the Procfile at `procfile` is deployed to, from the files next to it (or at the root); null when nothing says */
export async function procfilePlatform(procfile: string, files: Set<string>, read: (rel: string) => Promise<string | null>): Promise<PlatformEvidence | null> {
  const dirs = [...new Set([path.posix.dirname(procfile), '.'])].map((d) => (d === '.' ? '' : `${d}/`));
  for (const d of dirs) {
    for (const name of ['manifest.yml', 'manifest.yaml']) {
      if (!files.has(`${d}${name}`)) continue;
      const text = await read(`${d}${name}`);
      if (text && /^applications\s*:/m.test(text)) return { name: 'Cloud Foundry', file: `${d}${name}` };
    }
    for (const c of ['copilot', '.copilot']) if ([...files].some((f) => f.startsWith(`${d}${c}/`))) return { name: 'AWS Copilot', file: `${d}${c}/` };
    if (files.has(`${d}heroku.yml`)) return { name: 'Heroku', file: `${d}heroku.yml` };
    if (files.has(`${d}app.json`)) return { name: 'Heroku', file: `${d}app.json` };
    if (files.has(`${d}runtime.txt`)) return { name: 'a buildpack platform (Heroku, Cloud Foundry, Dokku)', file: `${d}runtime.txt` };
  }
  const text = await read(procfile);
  if (text && /^release\s*:/m.test(text)) return { name: 'Heroku', file: procfile };
  return null;
}

/** mark the Procfile workers whose platform runs them in containers */
export async function markProcfilePlatforms(workers: WorkerCommand[], files: Set<string>, read: (rel: string) => Promise<string | null>): Promise<void> {
  const byFile = new Map<string, PlatformEvidence | null>();
  for (const w of workers) {
    if (w.source !== 'procfile' || !/^Procfile$/.test(path.posix.basename(w.file))) continue;
    if (!byFile.has(w.file)) byFile.set(w.file, await procfilePlatform(w.file, files, read));
    const p = byFile.get(w.file);
    if (p) w.platform = p;
  }
}
