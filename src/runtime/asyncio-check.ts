// The asyncio probe under the real pool, set against what the audit's event-loop rules (JC2xx)
// say about this project: smoke-test confirms or refutes them, and says so when they disagree.
import { runAudit } from '../engine/audit.js';
import type { JobctlConfig } from '../engine/config.js';
import type { ProjectModel } from '../model/types.js';

export interface AsyncioProbeInfo { ok: boolean; runs: string[]; thread: string; main_thread: boolean; running_loop_in_task: boolean; gevent_patched: boolean }

export interface AsyncioOutcome {
  /** probes run at the same time (the pool's concurrency under gevent/eventlet/threads) */
  inFlight: number;
  failed: number;
  /** the first failure, e.g. "RuntimeError: Cannot run the event loop while another loop is running" */
  sample: string | null;
}

export interface AuditAsyncioFinding { ruleId: string; where: string }

/** the audit's event-loop findings that are about the pool (JC205) or loops shared across tasks */
export async function asyncioFindings(root: string, model: ProjectModel, config: JobctlConfig | undefined): Promise<AuditAsyncioFinding[]> {
  const r = await runAudit(root, { model, ...(config ? { config } : {}) });
  return r.findings.filter((f) => /^JC20[2-6]$/.test(f.ruleId)).map((f) => ({ ruleId: f.ruleId, where: `${f.location.file}:${f.location.line}` }));
}

/** one sentence when the probe and the audit agree or disagree about asyncio under this pool; null when the audit says nothing */
export function compareWithAudit(findings: AuditAsyncioFinding[], outcome: AsyncioOutcome, pool: string): string | null {
  const jc205 = findings.filter((f) => f.ruleId === 'JC205');
  const list = (fs: AuditAsyncioFinding[]): string => `${fs.slice(0, 3).map((f) => `${f.ruleId} ${f.where}`).join(', ')}${fs.length > 3 ? ` and ${fs.length - 3} more` : ''}`;
  if (outcome.failed > 0) {
    if (jc205.length) return `the real ${pool} pool confirms the audit (${list(jc205)}): ${outcome.failed} of ${outcome.inFlight} concurrent asyncio.run probes failed`;
    if (findings.length) return `the real ${pool} pool broke concurrent asyncio.run (${outcome.sample ?? 'failed'}), which the audit did not flag for this pool; its event-loop findings (${list(findings)}) run under it`;
    return null;
  }
  if (jc205.length) return `the audit and the real pool disagree: ${list(jc205)} expects asyncio to collide under ${pool}, but ${outcome.inFlight} asyncio.run probes ran at the same time without error (the probe is jobctl's task, not yours: check the flagged code paths)`;
  return null;
}
