// Observability: Flower with authentication, Prometheus metrics + alert rules, Sentry's Celery
// integration, structured / aggregated logs.
import type { Evidence, ItemDef } from '../types.js';
import { allCalls, allEnvVars, commandEvidence, commands, dependency, depEvidence, envEvidence, locEvidence } from '../facts.js';

const FLOWER_IMAGE = /(^|\/)flower(:|@|$)|mher\/flower/i;
/** flower@2.0.1:flower/options.py defines auth / basic_auth / oauth2_*; flower/command.py reads FLOWER_<OPTION> env vars */
const FLOWER_AUTH_ARG = /--(basic[-_]auth|auth|oauth2[-_]key)\b/;
const FLOWER_AUTH_ENV = /^FLOWER_(BASIC_AUTH|AUTH|OAUTH2_KEY)$/;

export const flower: ItemDef = {
  id: 'observability.flower',
  category: 'observability',
  title: 'Flower (live task monitor) deployed with authentication',
  severity: 'high',
  howDetected: '`celery flower` commands, flower images in compose, the `flower` dependency; auth from `--basic-auth`/`--auth`/`--oauth2_key` or `FLOWER_BASIC_AUTH`/`FLOWER_AUTH`/`FLOWER_OAUTH2_KEY` in compose or .env files',
  fix: 'Run Flower next to the workers (`celery -A proj flower`) with `FLOWER_BASIC_AUTH=user:${FLOWER_PASSWORD}` (or OAuth via `--auth`), bound to a private address or behind an authenticating proxy: Flower can revoke tasks and shut workers down.',
  sources: [{ title: 'Flower docs: Authentication', ref: 'https://flower.readthedocs.io/en/latest/auth.html' }, { title: 'Flower reads FLOWER_* environment variables', ref: 'flower@2.0.1:flower/command.py' }],
  detect(ctx) {
    const cmds = commands(ctx, 'flower');
    const images = ctx.model.composeServices.filter((s) => FLOWER_IMAGE.test(s.image ?? ''));
    const dep = dependency(ctx, 'flower');
    if (cmds.length === 0 && images.length === 0) {
      if (dep) return { status: 'fail', detail: 'flower is a dependency but no Flower process is started anywhere in the repository', evidence: [depEvidence(dep)] };
      return { status: 'fail', detail: 'Flower is not installed or deployed: nobody can see queued, running or failed tasks live' };
    }
    const where: Evidence[] = [...cmds.map(commandEvidence), ...images.map((s) => locEvidence(s.loc, `service ${s.name}: image ${s.image}`))];
    const authArgs = cmds.filter((c) => FLOWER_AUTH_ARG.test(c.raw));
    const authEnv = allEnvVars(ctx).filter(({ v }) => FLOWER_AUTH_ENV.test(v.key) && v.value.trim() !== '');
    const flowerConfAuth = ctx.model.files.filter((f) => /(^|\/)flowerconfig\.py$/.test(f.file) && /^\s*(basic_auth|auth|oauth2_key)\s*=/m.test(f.text));
    if (authArgs.length + authEnv.length + flowerConfAuth.length > 0) {
      return { status: 'pass', detail: 'Flower runs with authentication', evidence: [...where, ...authArgs.map(commandEvidence), ...authEnv.map(({ v }) => envEvidence(v)), ...flowerConfAuth.map((f) => locEvidence({ file: f.file, line: 1, column: 1 }, 'auth set in flowerconfig.py'))] };
    }
    return { status: 'fail', detail: 'Flower runs without authentication: whoever reaches its port can revoke tasks and shut workers down', evidence: where };
  },
};

const EXPORTER_IMAGE = /celery[-_]exporter|celery-prometheus-exporter/i;

export const metricsAlerts: ItemDef = {
  id: 'observability.metrics-alerts',
  category: 'observability',
  title: 'Prometheus metrics exported and alert rules configured',
  severity: 'medium',
  howDetected: 'metrics: `prometheus-client`/`celery-exporter` dependencies, exporter images in compose, Flower (serves /metrics); alerts: Prometheus rule files with `alert:` entries',
  fix: 'Export worker/queue metrics (danihodovic/celery-exporter or Flower\'s /metrics) and add alert rules for workers down, queue backlog and failure rate.',
  sources: [{ title: 'Prometheus docs: Alerting rules', ref: 'https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/' }, { title: 'Flower docs: Prometheus integration', ref: 'https://flower.readthedocs.io/en/latest/prometheus-integration.html' }],
  detect(ctx) {
    const metrics: Evidence[] = [];
    const dep = dependency(ctx, 'prometheus-client', 'celery-exporter', 'celery-prometheus-exporter');
    if (dep) metrics.push(depEvidence(dep));
    for (const s of ctx.model.composeServices) if (EXPORTER_IMAGE.test(s.image ?? '') || EXPORTER_IMAGE.test(s.name)) metrics.push(locEvidence(s.loc, `service ${s.name}: ${s.image ?? 'exporter'}`));
    for (const c of commands(ctx, 'flower')) metrics.push(commandEvidence(c));
    const alerts = ctx.extras.alertRuleFiles.map((a) => locEvidence({ file: a.file, line: a.line, column: 1 }, `${a.alerts} alert rule${a.alerts === 1 ? '' : 's'}`));
    if (metrics.length > 0 && alerts.length > 0) return { status: 'pass', detail: 'metrics are exported and alert rules exist', evidence: [...metrics, ...alerts] };
    if (metrics.length > 0) return { status: 'warn', detail: 'metrics are exposed but no alert rules were found: nobody is told when workers stop or queues back up', evidence: metrics };
    if (alerts.length > 0) return { status: 'warn', detail: 'alert rules exist but no Celery metrics exporter was found', evidence: alerts };
    return { status: 'unconfirmed', detail: 'no Prometheus metrics or alert rules in the repository: confirm Celery is monitored elsewhere (Datadog, New Relic, …)' };
  },
};

export const sentry: ItemDef = {
  id: 'observability.sentry',
  category: 'observability',
  title: 'Error tracking for tasks (Sentry with the Celery integration)',
  severity: 'medium',
  howDetected: '`sentry_sdk.init(...)` calls and the `sentry-sdk` dependency; sentry-sdk 2.x enables CeleryIntegration automatically when celery is installed unless `auto_enabling_integrations=False`',
  fix: 'Call `sentry_sdk.init(dsn=os.environ["SENTRY_DSN"], integrations=[CeleryIntegration(monitor_beat_tasks=True)])` where the worker imports the app (the module that creates `Celery(...)`).',
  sources: [{ title: 'Sentry docs: Celery integration', ref: 'https://docs.sentry.io/platforms/python/integrations/celery/' }, { title: 'sentry-sdk auto-enabling integrations include CeleryIntegration', ref: 'sentry-sdk@2.48.0:sentry_sdk/integrations/__init__.py' }],
  detect(ctx) {
    const inits = allCalls(ctx).filter((c) => c.resolved === 'sentry_sdk.init' || c.callee === 'sentry_sdk.init');
    const dep = dependency(ctx, 'sentry-sdk', 'raven');
    if (inits.length > 0) {
      const explicit = inits.filter((c) => /CeleryIntegration/.test(c.argsText));
      const autoOff = inits.every((c) => /auto_enabling_integrations\s*=\s*False/.test(c.argsText));
      const ev = inits.map((c) => locEvidence(c.loc, `sentry_sdk.init(${c.argsText})`));
      if (explicit.length > 0) return { status: 'pass', detail: 'Sentry is initialised with CeleryIntegration', evidence: ev };
      if (autoOff) return { status: 'warn', detail: 'Sentry is initialised with auto-enabling integrations off and without CeleryIntegration: task errors are not reported', evidence: ev };
      return { status: 'pass', detail: 'Sentry is initialised; sentry-sdk enables its Celery integration automatically', evidence: ev };
    }
    if (dep) return { status: 'warn', detail: `${dep.rawName} is installed but sentry_sdk.init is never called: errors in tasks are not reported`, evidence: [depEvidence(dep)] };
    const other = dependency(ctx, 'rollbar', 'bugsnag', 'ddtrace', 'newrelic', 'honeybadger', 'opentelemetry-instrumentation-celery', 'elastic-apm');
    if (other) return { status: 'unconfirmed', detail: `${other.rawName} is installed: confirm it reports task failures`, evidence: [depEvidence(other)] };
    return { status: 'unconfirmed', detail: 'no error tracker found: confirm task exceptions reach someone (Sentry, Rollbar, …)' };
  },
};

const LOG_DEPS = ['structlog', 'python-json-logger', 'json-log-formatter', 'ecs-logging', 'python-logstash', 'logstash-formatter', 'watchtower', 'google-cloud-logging', 'python-logging-loki', 'fluent-logger', 'loguru', 'opentelemetry-exporter-otlp', 'opentelemetry-exporter-otlp-proto-http', 'opentelemetry-exporter-otlp-proto-grpc', 'datadog', 'ddtrace'];
const LOG_DRIVERS = /^\s*driver:\s*["']?(fluentd|gelf|loki|awslogs|splunk|syslog|journald|gcplogs|logentries|etwlogs)\b/m;

export const logs: ItemDef = {
  id: 'observability.logs',
  category: 'observability',
  title: 'Structured logs shipped to a central place',
  severity: 'medium',
  howDetected: 'structured-logging / log-shipping dependencies (structlog, python-json-logger, watchtower, loki, fluent, OTLP, …) and compose `logging.driver` (fluentd, gelf, loki, awslogs, …); shipping done by the platform (Kubernetes, ECS) is invisible to jobctl and is asked',
  fix: 'Log JSON (structlog or python-json-logger; Celery\'s `worker_hijack_root_logger = False` keeps your handlers) and ship it (Loki, ELK, CloudWatch) with the task id on every line.',
  sources: [{ title: 'Celery docs: Logging (worker_hijack_root_logger, setup_logging signal)', ref: 'celery@v5.6.3:docs/userguide/configuration.rst' }],
  detect(ctx) {
    const ev: Evidence[] = [];
    for (const name of LOG_DEPS) {
      const d = dependency(ctx, name);
      if (d) ev.push(depEvidence(d));
    }
    for (const f of ctx.model.files) {
      if (f.kind !== 'compose') continue;
      const m = LOG_DRIVERS.exec(f.text);
      if (m) ev.push({ file: f.file, line: f.text.slice(0, m.index).split('\n').length + (f.text[m.index] === '\n' ? 1 : 0), text: `logging driver ${m[1]}` });
    }
    if (ev.length > 0) return { status: 'pass', detail: 'structured logging / log shipping found', evidence: ev };
    return { status: 'unconfirmed', detail: 'no log shipping or structured logging in the repository (only local logs): confirm logs are collected centrally' };
  },
};

export const observabilityItems: ItemDef[] = [flower, metricsAlerts, sentry, logs];
