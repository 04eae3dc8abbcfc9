"""Give the worker jobctl starts unacked bookkeeping keys of its own.

Imported through `celery worker --include jobctl_isolate` before the consumer connects. kombu's
Redis transport restores every stale entry of the database's `unacked` hash (QoS.restore_visible,
kombu/transport/redis.py), whatever app it belongs to; with its own unacked_key, unacked_index_key
and unacked_mutex_key (transport options, kombu >= 4.x) jobctl's worker only ever sees its own.
Its kombu >= 5.7 binding sweep is switched off too (below): it would delete other apps' tables.
"""
import os

from celery import current_app

_prefix = os.environ.get("JOBCTL_ISOLATE_PREFIX")
if _prefix:
    _opts = dict(current_app.conf.broker_transport_options or {})
    _opts.update(
        unacked_key=_prefix + "unacked",
        unacked_index_key=_prefix + "unacked_index",
        unacked_mutex_key=_prefix + "unacked_mutex",
    )
    current_app.conf.broker_transport_options = _opts

    # kombu >= 5.7: a consumer of an expiring queue (the worker's pidbox) also sweeps every binding
    # table on the database whose deadline has passed (Channel.sweep_bindings, SWEEP_BINDINGS in
    # kombu/transport/redis.py) — another app's stopped event monitor or worker included. jobctl's
    # worker keeps its own tables fresh but never deletes anyone else's.
    try:
        from kombu.transport import redis as _kombu_redis
    except ImportError:  # no redis-py: not a Redis broker
        _kombu_redis = None
    if _kombu_redis is not None and hasattr(_kombu_redis.Channel, "sweep_bindings"):
        _kombu_redis.Channel.sweep_bindings = lambda self, limit=100: 0

# RabbitMQ: jobctl's queue as the queue type the app's own workers consume (JOBCTL_QUEUE_TYPE=quorum),
# declared by the worker itself. A `-Q` name the app does not define is created as a classic queue
# (task_create_missing_queue_type, Celery >= 5.5; always classic before). --include modules are
# imported after the worker selected its queues (celery/worker/worker.py setup_instance:
# setup_queues, then setup_includes), so the queue is replaced in the selection too (select_add),
# and in app.amqp.queues, which the worker's own retries declare from.
_queue_type = os.environ.get("JOBCTL_QUEUE_TYPE")
_queue_name = os.environ.get("JOBCTL_QUEUE")
if _queue_type in ("quorum", "classic") and _queue_name:
    from kombu import Exchange, Queue

    _args = {"x-queue-type": _queue_type}
    current_app.amqp.queues.select_add(Queue(_queue_name, Exchange(_queue_name, type="direct"), routing_key=_queue_name, queue_arguments=_args))
