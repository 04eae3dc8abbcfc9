// Every fact source jobctl reads besides Python code. Add a file kind here: one small module that
// matches paths and pushes what it reads into the shared ProjectModel (see ./types.ts).
import type { Integration } from './types.js';
import { requirementsIntegration } from './requirements.js';
import { pyprojectIntegration } from './pyproject.js';
import { poetryLockIntegration, uvLockIntegration, pipfileLockIntegration } from './locks.js';
import { pipfileIntegration } from './pipfile.js';
import { setupCfgIntegration, setupPyIntegration } from './setup.js';
import { pythonVersionFileIntegration } from './python-version.js';
import { dotenvIntegration } from './dotenv.js';
import { composeIntegration } from './compose.js';
import { procfileIntegration } from './procfile.js';
import { dockerfileIntegration } from './dockerfile.js';
import { systemdIntegration } from './systemd.js';
import { supervisordIntegration } from './supervisord.js';
import { shellIntegration } from './shell.js';
import { redisConfIntegration } from './redis-conf.js';
import { kubernetesIntegration } from './kubernetes.js';
import { pytestConfigIntegration } from './pytest-config.js';

export const integrations: Integration[] = [
  requirementsIntegration, pyprojectIntegration, poetryLockIntegration, uvLockIntegration, pipfileIntegration,
  pipfileLockIntegration, setupCfgIntegration, setupPyIntegration, pythonVersionFileIntegration,
  dotenvIntegration, composeIntegration, procfileIntegration, dockerfileIntegration, systemdIntegration,
  supervisordIntegration, shellIntegration, redisConfIntegration, kubernetesIntegration,
  // last: setup.cfg / pyproject.toml keep the kind their dependency readers give them
  pytestConfigIntegration,
];

export { parseCeleryInvocations, optionValue, hasOption } from './celery-command.js';
