import type { Rule } from './types.js';
import { isTestFile } from './lib/settings.js';

export const rule: Rule = {
  meta: {
    id: 'JC606',
    name: 'stub-task',
    band: 'readiness',
    severity: 'warning',
    confidence: 'medium',
    title: 'Stub task: it reports success without doing the work',
    description: 'A task whose body only logs and returns a status (often `"queued"` or `"sent"`), with a NOTE/TODO saying the real work is still to be written — or whose body has no effect at all (`pass`, or a bare name/attribute such as `self.request` as its only statement) — succeeds in every monitoring view while nothing is done: Celery marks a task SUCCESS when its function returns. Notification tasks are the usual case: alerts "go out" and nobody receives them.',
    fix: 'Implement the task (with retries and a timeout), or make it raise NotImplementedError so the failure is visible.',
    examples: { bad: '@shared_task\ndef send_email(to, subject, body):\n    logger.info("Sending email to %s", to)\n    # NOTE: Implement email sending here\n    return {"status": "queued"}', good: '@shared_task(bind=True, max_retries=3)\ndef send_email(self, to, subject, body):\n    try:\n        smtp_send(to, subject, body)\n    except SMTPException as exc:\n        raise self.retry(exc=exc)' },
    sources: [{ title: 'Celery docs, Tasks: built-in states — SUCCESS when the task returns', ref: 'celery@v5.6.3:docs/userguide/tasks.rst' }],
  },
  check(ctx) {
    for (const t of ctx.model.tasks) {
      if (isTestFile(t.file)) continue;
      const body = t.bodyText;
      const marker = /#\s*(TODO|FIXME|NOTE|XXX)\b[^\n]*|#[^\n]*\b(implement|stub|not implemented|placeholder)\b/i.test(body);
      const code = body
        .replace(/^\s*[rRbBuU]{0,2}("""|''')[\s\S]*?\1/, '') // docstring
        .split('\n')
        .map((l) => l.replace(/#.*$/, '').trim())
        .filter((l) => l !== '');
      const logging = (l: string): boolean => /^(logger|logging|log|self\.logger|print)\b/.test(l);
      const doesWork = (l: string): boolean => /\b(send|post|request|urlopen|smtp|client\.|session\.|requests\.|httpx\.)/i.test(l);
      // `return <a call>` hands back what the call computed (gwcelery's `return gracedb.get_superevent._orig_run(id)['preferred_event']`
      // under a FIXME about a workaround): work, not a status
      const returnsCall = (l: string): boolean => /^return\s+[A-Za-z_][\w.]*\s*\(/.test(l);
      const trivial = code.every((l) => logging(l) || (!returnsCall(l) && /^(pass|\.\.\.|return\b.*|[\w.]+\s*=\s*[^()]*|[)\]}],?|["'][^"']*["']\s*:\s*.*,?|\w+\s*=\s*\w+\(.*\),?)$/.test(l) && !doesWork(l)));
      const onlyPass = code.length > 0 && code.every((l) => l === 'pass' || l === '...');
      // a bare name / attribute expression (`self.request`, `payload`) evaluates and discards: no effect
      const noEffect = !onlyPass && code.length > 0 && code.every((l) => l === 'pass' || l === '...' || /^[A-Za-z_][\w.]*$/.test(l));
      if (!(onlyPass || noEffect || (marker && trivial))) continue;
      ctx.report({ loc: t.loc, key: t.name, message: `task \`${t.name}\` is a stub: it ${onlyPass ? 'does nothing' : noEffect ? `has no effect (its body only evaluates \`${code.find((l) => l !== 'pass' && l !== '...')}\` and discards it)` : 'only logs and returns a status'}${marker ? ' (its body says the real work is still to be written)' : ''}, yet every run reports SUCCESS`, hint: 'implement it, or raise NotImplementedError until it is' });
    }
  },
};
