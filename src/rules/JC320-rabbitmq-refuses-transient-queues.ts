import type { Rule } from './types.js';
import { celeryRange, describeRabbit, mayUseRabbit, rabbitAtLeast, rabbitServers, type RabbitServer } from './lib/rabbitmq.js';
import { settingState } from './lib/fact-state.js';
import { effectiveSettings } from './lib/settings.js';
import { asBool } from './lib/values.js';
import { compareVersions } from './lib/versions.js';
import { transientQueueDeclarations } from './lib/queues.js';

const REFUSES_FROM = '4.3';

export const rule: Rule = {
  meta: {
    id: 'JC320',
    name: 'rabbitmq-refuses-transient-queues',
    band: 'versions',
    severity: 'error',
    confidence: 'medium',
    title: 'RabbitMQ 4.3+ refuses non-durable, non-exclusive queues: Celery before 5.7 (5.6 without the exclusive settings) cannot declare its control queues',
    description: `RabbitMQ 4.3.0 moved the deprecated feature \`transient_nonexcl_queues\` to \`denied_by_default\`: declaring a queue that is neither durable nor exclusive fails with \`541 INTERNAL_ERROR\` (\`rabbit_amqqueue:declare\` → \`is_queue_args_combination_permitted\`). Up to 4.2 it was permitted by default.

Celery's remote-control queue \`<hostname>.celery.pidbox\` and the reply queues of \`inspect\` and of mingle (the worker's start-up sync, which runs even with \`worker_enable_remote_control = False\` unless \`--without-mingle\`) are such queues: kombu up to 5.5.x declares them \`durable=False, auto_delete=True\` and not exclusive, with no setting to change it. Celery 5.6.0 added \`control_queue_exclusive\`/\`event_queue_exclusive\` and \`control_queue_durable\`/\`event_queue_durable\` (all default \`False\`); Celery 5.7.0 made the two exclusive settings default to \`True\`. Either exclusive or durable control queues are accepted by 4.3. So on RabbitMQ 4.3+ a worker of Celery ≤ 5.5, or 5.6 without those settings, fails as soon as it declares its control queue — a worker that ran for years stops after a broker image update. A task queue the project declares itself with \`durable=False\` (and not \`exclusive=True\`) is refused the same way, on any Celery.

The server version is read from the RabbitMQ image of compose services, Kubernetes containers, the cluster operator's \`RabbitmqCluster\` \`spec.image\` and Dockerfile \`FROM\` lines. A tag that names a minor version (\`3.13-management\`, \`4.3.1\`) is reported as that version; a floating tag of Docker's official image (\`4-management\`, \`latest\`, \`management\`) is reported as a risk (warning, low confidence), not as a version: it gets the newest release on the next pull. A vendor's floating tag (\`bitnami/rabbitmq:latest\`) or a tag from a variable is unknown and not reported. Not reported when the Celery version cannot be read from the project's pins, or when the settings could be in a file jobctl could not read.`,
    fix: "Upgrade to Celery 5.7 (exclusive control/event queues by default), or on 5.6 set `control_queue_exclusive = True` and `event_queue_exclusive = True` (or the `*_queue_durable` settings, for queues that must outlive a connection); pin the RabbitMQ image to 4.2 until then. The broker-side escape hatch is `deprecated_features.permit.transient_nonexcl_queues = true` in rabbitmq.conf. Declare your own queues durable (or exclusive).",
    examples: {
      bad: "# docker-compose.yml: image: rabbitmq:4.3-management\n# requirements.txt: celery==5.5.3\napp = Celery('proj', broker='amqp://guest@rabbitmq//')",
      good: "# docker-compose.yml: image: rabbitmq:4.3-management\n# requirements.txt: celery==5.7.0  (control_queue_exclusive/event_queue_exclusive default to True)\napp = Celery('proj', broker='amqp://guest@rabbitmq//')",
    },
    sources: [
      { title: 'transient_nonexcl_queues: denied_by_default; declare refuses non-durable non-exclusive queues with internal_error', ref: 'rabbitmq-server@v4.3.0:deps/rabbit/src/rabbit_amqqueue.erl' },
      { title: 'transient_nonexcl_queues: permitted_by_default (4.2 and earlier)', ref: 'rabbitmq-server@v4.2.0:deps/rabbit/src/rabbit_amqqueue.erl' },
      { title: 'rabbitmq.conf: deprecated_features.permit.<feature> = true|false', ref: 'rabbitmq-server@v4.3.0:deps/rabbit/priv/schema/rabbit.schema' },
      { title: 'Mailbox.get_queue / get_reply_queue: durable=False, auto_delete=True, not exclusive', ref: 'kombu@v5.5.4:kombu/pidbox.py' },
      { title: 'control_queue_exclusive / _durable and event_queue_exclusive / _durable added, default False', ref: 'celery@v5.6.0:celery/app/defaults.py' },
      { title: 'Mingle: enabled unless --without-mingle; sync sends an inspect hello (a reply queue), whatever worker_enable_remote_control says', ref: 'celery@v5.5.0:celery/worker/consumer/mingle.py' },
      { title: 'control_queue_exclusive / event_queue_exclusive default True (celery 5.7.0 wheel)', ref: 'https://pypi.org/project/celery/5.7.0/' },
      { title: 'Read from the released sources and wheels', ref: 'docs/evidence/rabbitmq-4-celery-queues.txt' },
    ],
  },
  check(ctx) {
    if (!mayUseRabbit(ctx.model, ctx.knowledge)) return;
    // a floating tag is a risk only where it follows RabbitMQ's releases (Docker's official image); a vendor's `latest`
    // (bitnami, a private mirror) may lag or have stopped: its version is unknown, not asserted
    const servers = rabbitServers(ctx.model).filter((s) => {
      const at = rabbitAtLeast(s, REFUSES_FROM);
      if (at !== null) return at;
      return s.official && !s.image.image.includes('$');
    });
    if (servers.length === 0) return;
    const settings = effectiveSettings(ctx.model, ctx.knowledge);
    const problem = celeryProblem(ctx, settings);
    const whereOf = (s: RabbitServer): string => (rabbitAtLeast(s, REFUSES_FROM) === true ? describeRabbit(s) : `${describeRabbit(s)}, which is 4.3 or later on any pull since 4.3.0 (April 2026),`);
    const sevOf = (s: RabbitServer): { severity?: 'warning'; confidence?: 'low' } => (rabbitAtLeast(s, REFUSES_FROM) === true ? {} : { severity: 'warning', confidence: 'low' });
    if (problem) {
      for (const s of servers) ctx.report({ loc: s.image.loc, key: `${s.image.file}:${s.image.image}`, ...sevOf(s), message: `${whereOf(s)} refuses non-durable, non-exclusive queues (541 INTERNAL_ERROR); ${problem.text}`, hint: problem.hint });
    }
    // the project's own queues: once each, against the server that is surely 4.3+ when there is one
    const worst = servers.find((s) => rabbitAtLeast(s, REFUSES_FROM) === true) ?? servers[0]!;
    for (const q of transientQueueDeclarations(ctx.model)) {
      ctx.report({ loc: q.loc, key: q.text, ...sevOf(worst), message: `\`${q.text}\` declares a non-durable, non-exclusive queue: ${whereOf(worst).replace(/,$/, '')} refuses to declare it (541 INTERNAL_ERROR, transient_nonexcl_queues)`, hint: 'declare it durable (the default), or exclusive=True for a per-connection queue' });
    }
  },
};

function celeryProblem(ctx: Parameters<Rule['check']>[0], settings: ReturnType<typeof effectiveSettings>): { text: string; hint: string } | null {
  const range = celeryRange(ctx.model, ctx.knowledge);
  if (!range) return null;
  // with remote control off the worker declares no pidbox queue, but mingle's start-up sync (an inspect `hello`) still
  // declares a reply queue, unless every worker runs --without-mingle (celery/worker/consumer/mingle.py)
  const rc = settingState(ctx.model, ctx.knowledge, 'worker_enable_remote_control', {}, settings);
  const rcOff = rc.state === 'known' && asBool(rc.value.assignment.value) === false;
  const workers = ctx.model.workerCommands.filter((w) => w.subcommand === 'worker');
  const mingleOff = workers.length > 0 && workers.every((w) => w.argv.includes('--without-mingle'));
  if (rcOff && mingleOff) return null;
  const queues = rcOff ? 'the reply queue of the worker\'s start-up sync with its peers (mingle; remote control is off)' : 'each worker\'s remote-control queue (`<host>.celery.pidbox`) and its reply queues';
  const pinned = range.min === range.max ? `Celery ${range.max} (${range.source})` : `Celery ${range.min}–${range.max} (${range.source})`;
  if (compareVersions(range.max, '5.6.0') < 0) {
    return {
      text: `${pinned} declares ${queues} non-durable and not exclusive, with no setting to change that before 5.6: the worker fails when it declares them`,
      hint: 'upgrade to Celery 5.7 (or 5.6 with control_queue_exclusive/event_queue_exclusive = True), or pin the RabbitMQ image below 4.3',
    };
  }
  // 5.6+: the control queues pass when exclusive (control_queue_exclusive) or durable (control_queue_durable)
  const flag = (name: string): boolean | 'unknown' | null => {
    const st = settingState(ctx.model, ctx.knowledge, name, {}, settings);
    if (st.state === 'unknown') return 'unknown';
    if (st.state === 'absent') return null;
    const v = st.value.assignment.value;
    return asBool(v) ?? (v.kind === 'env' ? asBool(v.default) : null) ?? 'unknown';
  };
  const exclusive = flag('control_queue_exclusive');
  const durable = flag('control_queue_durable');
  if (exclusive === true || durable === true) return null;
  if (exclusive === 'unknown' || durable === 'unknown') return null;
  if (compareVersions(range.min, '5.6.0') >= 0 && compareVersions(range.max, '5.7.0') < 0) {
    return {
      text: `${pinned} declares ${queues} non-durable and not exclusive unless \`control_queue_exclusive\` or \`control_queue_durable\` is True (both default to False before 5.7): the worker fails when it declares them`,
      hint: 'set control_queue_exclusive = True and event_queue_exclusive = True (or the *_durable settings), or upgrade to Celery 5.7',
    };
  }
  if (compareVersions(range.min, '5.7.0') >= 0 && exclusive === false) {
    return {
      text: `\`control_queue_exclusive = False\` makes ${pinned} declare ${queues} non-durable and not exclusive: the worker fails when it declares them`,
      hint: 'remove control_queue_exclusive = False (Celery 5.7 defaults to True), or set control_queue_durable = True',
    };
  }
  return null;
}
