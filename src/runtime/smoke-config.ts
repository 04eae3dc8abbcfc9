// `smoke:` in jobctl.yaml (read from JobctlConfig.raw):
//   smoke:
//     tasks:
//       - name: proj.tasks.add
//         args: [2, 3]
//         kwargs: {}
//         expect: 5              # compared with the task's return value (JSON deep equality)
//         status: SUCCESS        # or FAILURE (then `exc_type` may name the exception)
//         exc_type: ValueError
//         timeout: 10            # seconds
import type { JobctlConfig } from '../engine/config.js';
import { JobctlError } from '../util/errors.js';

export interface SmokeTaskSpec {
  name: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  /** present when the config declares `expect` (even `expect: null`) */
  expect?: unknown;
  hasExpect: boolean;
  status: 'SUCCESS' | 'FAILURE';
  excType?: string;
  timeoutSec?: number;
}

export function readSmokeTasks(config: JobctlConfig | undefined): SmokeTaskSpec[] {
  if (!config) return [];
  const file = config.file ?? 'jobctl.yaml';
  const smoke = config.raw.smoke;
  if (smoke === undefined || smoke === null) return [];
  if (typeof smoke !== 'object' || Array.isArray(smoke)) throw new JobctlError(`${file}: \`smoke\` must be a mapping (e.g. \`smoke: {tasks: [{name: proj.tasks.add, args: [2, 3], expect: 5}]}\`)`, { file });
  const tasks = (smoke as Record<string, unknown>).tasks;
  if (tasks === undefined || tasks === null) return [];
  if (!Array.isArray(tasks)) throw new JobctlError(`${file}: \`smoke.tasks\` must be a list of {name, args, kwargs, expect}`, { file });
  return tasks.map((t, i) => {
    const where = `${file}: \`smoke.tasks[${i}]\``;
    if (t === null || typeof t !== 'object' || Array.isArray(t)) throw new JobctlError(`${where} must be a mapping with at least \`name\``, { file });
    const o = t as Record<string, unknown>;
    if (typeof o.name !== 'string' || !o.name) throw new JobctlError(`${where}: \`name\` must be the registered task name (e.g. proj.tasks.add)`, { file });
    if (o.args !== undefined && !Array.isArray(o.args)) throw new JobctlError(`${where}: \`args\` must be a list`, { file });
    if (o.kwargs !== undefined && (o.kwargs === null || typeof o.kwargs !== 'object' || Array.isArray(o.kwargs))) throw new JobctlError(`${where}: \`kwargs\` must be a mapping`, { file });
    const status = o.status === undefined ? 'SUCCESS' : String(o.status).toUpperCase();
    if (status !== 'SUCCESS' && status !== 'FAILURE') throw new JobctlError(`${where}: \`status\` must be SUCCESS or FAILURE`, { file });
    if (o.timeout !== undefined && (typeof o.timeout !== 'number' || o.timeout <= 0)) throw new JobctlError(`${where}: \`timeout\` must be a number of seconds`, { file });
    const spec: SmokeTaskSpec = {
      name: o.name,
      args: (o.args as unknown[] | undefined) ?? [],
      kwargs: (o.kwargs as Record<string, unknown> | undefined) ?? {},
      hasExpect: Object.prototype.hasOwnProperty.call(o, 'expect'),
      status,
    };
    if (spec.hasExpect) spec.expect = o.expect;
    if (typeof o.exc_type === 'string') spec.excType = o.exc_type;
    if (typeof o.timeout === 'number') spec.timeoutSec = o.timeout;
    return spec;
  });
}
