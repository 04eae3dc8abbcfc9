// The transport extra a broker needs: `celery[sqs]` brings what kombu's SQS transport imports (boto3, and pycurl
// on kombu <= 5.4 and >= 5.6; urllib3 on 5.5 -- the `sqs` extra of each wheel in releases.json). A project whose
// broker is SQS but whose Celery requirement has no `sqs` extra, and which does not list those packages itself,
// installs a worker that fails at start ("The curl client requires the pycurl library"). The SQS broker is seen in
// the settings, and also where the URL only reaches Celery at run time: an `sqs://` literal in the code or an env
// file (pypi/warehouse: BROKER_URL from the environment, `broker_url.startswith("sqs://")` in warehouse/tasks.py).
import type { ProjectModel } from '../model/types.js';
import type { LoadedKnowledge, ReleaseFacts } from '../knowledge/index.js';
import type { DependencyRow, ManualEdit } from './types.js';
import type { Hit, ProjectFacts } from './facts.js';
import { requirementLine } from '../deps/format.js';

/** Where the project shows an SQS broker: settings, or `sqs://` in its code and env files. */
export function sqsHits(model: ProjectModel, facts: ProjectFacts): Hit[] {
  const hits = [...(facts.brokerSchemes.get('sqs') ?? [])];
  for (const f of model.files) {
    if (f.kind !== 'python' && f.kind !== 'env' && f.kind !== 'compose') continue;
    f.text.split(/\r?\n/).forEach((line, i) => {
      if (/['"=]\s*sqs:\/\//.test(line) && !hits.some((h) => h.file === f.file && h.line === i + 1)) hits.push({ file: f.file, line: i + 1, message: 'an `sqs://` broker URL' });
    });
  }
  for (const e of model.envFiles) for (const v of e.vars) if (/^sqs:\/\//.test(v.value)) hits.push({ file: e.file, line: v.loc.line, message: `\`${v.key}\` is an \`sqs://\` URL` });
  return hits;
}

export function transportExtras(model: ProjectModel, k: LoadedKnowledge, to: ReleaseFacts, rows: DependencyRow[], hits: Hit[], python: string | null): ManualEdit[] {
  if (hits.length === 0) return [];
  const celery = model.dependencies.filter((d) => d.name === 'celery' && !d.isLock && !d.extras.map((e) => e.toLowerCase()).includes('sqs'));
  if (celery.length === 0) return [];
  // what the extra installs: celery's own `sqs` extra, or kombu's when celery's only names kombu[sqs]
  const kombu = k.kombuFor(to.version, python ?? undefined);
  const extra = { ...(to.extras.sqs ?? {}) };
  if (Object.keys(extra).every((n) => n === 'kombu') && kombu) Object.assign(extra, kombu.extras.sqs ?? {});
  delete extra.kombu;
  const listed = new Set(model.dependencies.map((d) => d.name));
  const missing = Object.keys(extra).filter((n) => !listed.has(n));
  if (missing.length === 0) return [];
  const where = hits[0]!;
  return celery.map((d) => {
    const row = rows.find((r) => r.name === 'celery' && r.where === `${d.file}:${d.loc.line}`);
    const spec = row?.suggestedLine ? row.suggestedLine.replace(/^["']?[A-Za-z0-9._-]+(\[[^\]]*\])?/, '').replace(/["',]+$/, '') : d.specifier;
    const line = requirementLine(d, 'celery', '', spec, [...d.extras, 'sqs']);
    return {
      file: d.file, line: d.loc.line, title: 'The SQS broker needs the `sqs` extra of Celery',
      why: `The broker is SQS (${where.file}:${where.line}: ${where.message}), but ${d.file}:${d.loc.line} installs Celery without \`[sqs]\` and the project does not list ${missing.join(', ')}: kombu's SQS transport imports them, so the worker fails when it connects (kombu/asynchronous/http/curl.py: "The curl client requires the pycurl library."; Celery ${to.version}'s \`sqs\` extra${kombu && !('boto3' in (to.extras.sqs ?? {})) ? ` -> kombu ${kombu.version}'s` : ''} installs ${Object.keys(extra).join(', ')}).`,
      suggestion: `write \`${line}\``,
    };
  });
}
