// System packages a transport needs at install time. celery[sqs] pulls pycurl on <= 5.4 and again from 5.6
// (5.5 used urllib3 only: the `sqs` extra of each wheel in releases.json). pycurl >= 7.45.3 ships only
// manylinux_2_28 wheels (x86_64/aarch64; pycurl's files on PyPI), so on an Alpine (musl) image pip builds it
// from source and needs libcurl's headers and a compiler, or the image build fails.
import type { ProjectModel } from '../model/types.js';
import type { ReleaseFacts } from '../knowledge/types.js';
import type { ManualEdit } from './types.js';

export function transportSystemPackages(model: ProjectModel, to: ReleaseFacts, usesSqs: boolean): ManualEdit[] {
  if (!usesSqs || !('pycurl' in (to.extras.sqs ?? {}))) return [];
  const out: ManualEdit[] = [];
  for (const f of model.files) {
    if (!/(^|\/)(Dockerfile[^/]*|[^/]*\.Dockerfile)$/.test(f.file)) continue;
    const lines = f.text.split(/\r?\n/);
    const from = lines.findIndex((l) => /^\s*FROM\s+\S*python\S*alpine/i.test(l) || /^\s*FROM\s+\S*alpine/i.test(l));
    if (from < 0) continue;
    if (/\bcurl-dev\b/.test(f.text)) continue;
    out.push({
      file: f.file, line: from + 1, title: 'pycurl (celery[sqs]) builds from source on Alpine: libcurl headers and a compiler are missing',
      why: `Celery ${to.version}'s \`sqs\` extra requires pycurl, which has manylinux wheels only (no musllinux): on this Alpine image \`pip install\` compiles it and fails without curl-dev.`,
      suggestion: 'before `pip install`: `RUN apk add --no-cache curl-dev openssl-dev gcc musl-dev` (or switch to a python:*-slim base image, which takes the manylinux wheel)',
    });
  }
  return out;
}
