"""Give the worker jobctl starts unacked bookkeeping keys of its own.

Imported through `celery worker --include jobctl_isolate` before the consumer connects. kombu's
Redis transport restores every stale entry of the database's `unacked` hash (QoS.restore_visible,
kombu/transport/redis.py), whatever app it belongs to; with its own unacked_key, unacked_index_key
and unacked_mutex_key (transport options, kombu >= 4.x) jobctl's worker only ever sees its own.
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
