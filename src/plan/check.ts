// `upgrade-plan --check`: the target's requirements resolved by pip for real (the one resolver's
// real mode), next to the offline answer the plan was made from.
import type { ProjectModel } from '../model/types.js';
import { crossCheck, requirementsOf, type CrossCheck } from '../deps/index.js';
import { ensureVenv } from '../verify/cache.js';
import { usesRedisBroker } from '../rules/lib/broker.js';
import { loadKnowledge } from '../knowledge/index.js';

export async function checkTargetWithPip(model: ProjectModel, target: string, basePython: string, log: (line: string) => void): Promise<CrossCheck> {
  const tool = await ensureVenv({ label: 'pip-resolver', requirements: ['pip>=24.0'], basePython }, { log });
  const k = loadKnowledge();
  return crossCheck(requirementsOf(model, { celery: target }), { pythonExe: tool.python, usesRedis: usesRedisBroker(model, k) }, k);
}
