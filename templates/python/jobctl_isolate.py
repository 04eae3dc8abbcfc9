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
