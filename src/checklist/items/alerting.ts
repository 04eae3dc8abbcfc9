// Alerting: do alerts reach a person? Stub notification tasks (JC606), empty recipient lists (JC607)
// and whether any task code actually delivers email/webhooks.
import type { Evidence, ItemDef } from '../types.js';
import type { CallSite } from '../../model/types.js';
import { allEnvVars, envEvidence, findingEvidence, findings, locEvidence } from '../facts.js';
import { reachableFromTasks } from '../../rules/lib/task-code.js';

export const stubTasks: ItemDef = {
  id: 'alerting.no-stub-tasks',
  category: 'alerting',
  title: 'Notification tasks are implemented (no stubs that only log and return "queued")',
  severity: 'high',
  howDetected: 'audit rule JC606: task bodies that only log and return a literal status, with a NOTE/TODO/"implement" comment (or only `pass`)',
  fix: 'Implement the task with a real client (SMTP / provider API / HTTP POST) with a timeout and retries, or raise NotImplementedError so monitoring shows the failure.',
  sources: [{ title: 'Celery docs: Tasks — retrying', ref: 'celery@v5.6.3:docs/userguide/tasks.rst' }],
  detect(ctx) {
    const hits = findings(ctx, 'JC606');
    if (hits.length > 0) return { status: 'fail', detail: `${hits.length} stub task${hits.length === 1 ? '' : 's'}: every run reports SUCCESS while nothing is sent`, evidence: hits.map(findingEvidence) };
    if (ctx.model.tasks.length === 0) return { status: 'na', detail: 'no Celery tasks found' };
    return { status: 'pass', detail: `none of the ${ctx.model.tasks.length} tasks is a stub` };
  },
};

/** `RESILIENCE_ALERT_RECIPIENTS` -> the env value that overrides it in production, if the repo has one */
function envOverride(ctx: Parameters<ItemDef['detect']>[0], name: string): { value: string; ev: Evidence } | null {
  const hit = allEnvVars(ctx).filter(({ v }) => v.key === name).pop();
  return hit ? { value: hit.v.value.trim(), ev: envEvidence(hit.v) } : null;
}

export const recipients: ItemDef = {
  id: 'alerting.recipients',
  category: 'alerting',
  title: 'Alert recipient lists are not empty',
  severity: 'high',
  howDetected: 'audit rule JC607 (empty `*ALERT*RECIPIENTS*`-style lists in code and settings classes), then the same variable in .env files / compose `environment:`',
  fix: 'Set the list in production (e.g. `RESILIENCE_ALERT_RECIPIENTS=["oncall@example.org"]`) and make start-up fail when it is empty.',
  sources: [{ title: 'pydantic-settings: values from environment variables override class defaults', ref: 'https://docs.pydantic.dev/latest/concepts/pydantic_settings/' }],
  detect(ctx) {
    const hits = findings(ctx, 'JC607');
    if (hits.length === 0) return { status: 'pass', detail: 'no empty alert recipient list found' };
    const evidence = hits.map(findingEvidence);
    const unresolved: string[] = [];
    let emptyInEnv = 0;
    for (const h of hits) {
      const name = /`([A-Za-z_][A-Za-z0-9_]*)`/.exec(h.message)?.[1] ?? '';
      const o = envOverride(ctx, name);
      if (o === null) unresolved.push(name);
      else {
        evidence.push(o.ev);
        if (/^(\[\s*\]|""|''|)$/.test(o.value)) emptyInEnv += 1;
      }
    }
    if (emptyInEnv > 0) return { status: 'fail', detail: 'the recipient list is empty in code and in the environment files: alerts go to nobody', evidence };
    if (unresolved.length > 0) return { status: 'unconfirmed', detail: `${unresolved.join(', ')} is empty in code and not set in any file of the repository: confirm production sets it`, evidence };
    return { status: 'pass', detail: 'empty in code but set in the environment', evidence };
  },
};

/** Calls that hand a message to someone: SMTP, mail/SMS/chat provider SDKs, HTTP POSTs. */
const DELIVERY = /^(smtplib\.SMTP(_SSL)?|django\.core\.mail\.(send_mail|send_mass_mail|EmailMessage)|sendgrid\..*|requests\.post|httpx\.post|slack_sdk\..*|twilio\..*|aiosmtplib\..*)$|\.(send_message|sendmail|send_mail|post|chat_postMessage)$/;

function isDelivery(c: CallSite): boolean {
  // boto3 only when the client is a messaging service (SES / SNS), not S3 & co.
  if (/^boto3\.(client|resource)$/.test(c.resolved)) return /['"](ses|sesv2|sns)['"]/.test(c.argsText);
  return DELIVERY.test(c.resolved) || DELIVERY.test(c.callee);
}

export const delivery: ItemDef = {
  id: 'alerting.delivery',
  category: 'alerting',
  title: 'Alerts are actually delivered (email / webhook / chat implementation exists)',
  severity: 'high',
  howDetected: 'calls reachable from task code to SMTP, mail/chat SDKs or HTTP POST clients',
  fix: 'Implement delivery in the notification task (smtplib / provider SDK / httpx.post with a timeout), with `autoretry_for` or `self.retry` for transient errors.',
  sources: [{ title: 'Celery docs: Tasks — retrying', ref: 'celery@v5.6.3:docs/userguide/tasks.rst' }],
  detect(ctx) {
    const evidence: Evidence[] = [];
    for (const r of reachableFromTasks(ctx.model).values()) {
      for (const c of r.fn.calls) if (isDelivery(c)) evidence.push(locEvidence(c.loc, `task ${r.task.name}: ${c.callee}(…)`));
    }
    if (evidence.length > 0) return { status: 'pass', detail: 'task code sends messages', evidence: evidence.slice(0, 5) };
    const stubs = findings(ctx, 'JC606');
    if (stubs.length > 0) return { status: 'fail', detail: 'no task sends anything: the notification tasks are stubs', evidence: stubs.map(findingEvidence) };
    if (ctx.extras.alertRuleFiles.length > 0) return { status: 'pass', detail: 'alerts come from Prometheus alert rules (delivery by Alertmanager)', evidence: ctx.extras.alertRuleFiles.map((a) => locEvidence({ file: a.file, line: a.line, column: 1 }, `${a.alerts} alert rule${a.alerts === 1 ? '' : 's'}`)) };
    return { status: 'unconfirmed', detail: 'no email/webhook delivery in task code and no alert rules: confirm how failures reach a person' };
  },
};

export const alertingItems: ItemDef[] = [stubTasks, recipients, delivery];
