// --no-cache, shared by the commands that read the project model (audit, upgrade-plan, checklist).
import { Flags } from '@oclif/core';

export const noCacheFlag = Flags.boolean({
  summary: "read every file afresh: neither use nor write jobctl's per-file cache (~/.cache/jobctl/facts; also JOBCTL_NO_CACHE=1)",
});
