import type { Rule } from './types.js';
import { effectiveSettings, projectApps } from './lib/settings.js';
import { asBool } from './lib/values.js';
import { compareVersions } from './lib/versions.js';
import { candidatesNote, settingState } from './lib/fact-state.js';
import { lockBypassedByDockerfiles } from './lib/lock-in-effect.js';
import { detectPackageVersion } from '../engine/versions.js';

export const rule: Rule = {
  meta: {
    id: 'JC106',
    name: 'broker-connection-retry-on-startup',
    band: 'settings',
    severity: 'info',
    confidence: 'high',
    title: 'broker_connection_retry_on_startup unset: Celery prints a deprecation warning at start-up',
    description: `Celery 5.3.0 added \`broker_connection_retry_on_startup\` (default \`None\`). In 5.3.x–5.4.x the worker emits a \`CPendingDeprecationWarning\` whenever it is unset ("The broker_connection_retry configuration setting will no longer determine whether broker connection retries are made during startup in Celery 6.0 and above…"), on every (re)connect. From 5.5.0 the warning appears only when it is unset **and** \`broker_connection_retry\` is False (#9227).

Do not add the uppercase \`BROKER_CONNECTION_RETRY_ON_STARTUP\` to a lowercase config to silence it: that mixes styles and the worker refuses to start (JC102).`,
    fix: 'Celery 5.3.x–5.4.x: set broker_connection_retry_on_startup to the value of broker_connection_retry (True to keep retrying at start-up), as Celery\'s warning says. Celery ≥ 5.5: the warning only appears when broker_connection_retry is False — set broker_connection_retry_on_startup = False, as Celery\'s own warning says, to keep not retrying. Use the config\'s own naming style.',
    sources: [
      { title: 'Consumer.ensure_connected warning (5.3.0–5.4.0)', ref: 'celery@v5.4.0:celery/worker/consumer/consumer.py' },
      { title: 'Show the warning only if it evaluates as False (#9227); text: "you should set broker_connection_retry_on_startup to False instead"', ref: 'celery@v5.5.0:celery/worker/consumer/consumer.py; docs/history/changelog-5.5.rst' },
    ],
  },
  check(ctx) {
    let release = ctx.target ?? ctx.current;
    if (!release) return;
    // the version came from a lock the image does not install from: the image gets the newest release the range allows
    const lock = ctx.target ? undefined : ctx.model.dependencies.find((d) => d.name === 'celery' && d.isLock && d.version === release!.version);
    if (lock && lockBypassedByDockerfiles(ctx.model, lock)) {
      const unlocked = { ...ctx.model, dependencies: ctx.model.dependencies.filter((d) => !d.isLock) };
      const fresh = detectPackageVersion(unlocked, 'celery', ctx.knowledge.releases.map((r) => r.version));
      release = fresh ? ctx.knowledge.releaseFor(fresh.version) : null;
      if (!release) return;
    }
    const v = release.version;
    if (compareVersions(v, '5.3.0') < 0) return;
    const settings = effectiveSettings(ctx.model, ctx.knowledge);
    if (settings.some((s) => s.newName === 'broker_connection_retry_on_startup')) return;
    const retry = settings.find((s) => s.newName === 'broker_connection_retry');
    const warns = compareVersions(v, '5.5.0') < 0 || asBool(retry?.assignment.value) === false;
    if (!warns) return;
    for (const app of projectApps(ctx.model)) {
      // set, or in a config source jobctl could not read (JC001 names it)
      if (settingState(ctx.model, ctx.knowledge, 'broker_connection_retry_on_startup', { app }, settings).state !== 'absent') continue;
      ctx.report({ loc: app.loc, key: app.id, message: `Celery ${v} warns at worker start that broker_connection_retry_on_startup is unset${candidatesNote(ctx.model, app, '— set in none of')}${compareVersions(v, '5.5.0') >= 0 ? ' (broker_connection_retry is False)' : ''}`, hint: compareVersions(v, '5.5.0') >= 0
        ? 'set broker_connection_retry_on_startup = False, as Celery\'s own warning says ("If you wish to refrain from retrying connections on startup, you should set broker_connection_retry_on_startup to False instead")'
        : `set broker_connection_retry_on_startup = ${asBool(retry?.assignment.value) === false ? 'False' : 'True'} (the value of broker_connection_retry, as Celery's warning says)` });
    }
  },
};
