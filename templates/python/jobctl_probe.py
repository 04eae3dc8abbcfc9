"""jobctl's probe tasks, injected into the user's own worker with `celery ... worker --include jobctl_probe`.

They are registered through `shared_task`, so they use the user's app, its Task base class, its
serializers, routing and signals. jobctl publishes them onto its own queue only (jobctl.smoke.<random>).
Names are prefixed `jobctl.` so they never collide with user tasks.
"""
import asyncio
import os
import sys
import threading
import time

from celery import current_app, shared_task
from celery.exceptions import SoftTimeLimitExceeded


@shared_task(name="jobctl.echo")
def echo(value):
    """Round trip through the configured serializer: returns its argument unchanged."""
    return value


@shared_task(name="jobctl.fail")
def fail(message):
    """Failure propagation: the producer must see ValueError and this message."""
    raise ValueError(message)


@shared_task(name="jobctl.retry", bind=True, max_retries=5)
def retry(self, times):
    """Retries itself `times` times (republished by the worker through the user's routing), then returns the count."""
    if self.request.retries < times:
        raise self.retry(countdown=0.1)
    return self.request.retries


@shared_task(name="jobctl.sleep")
def sleep(seconds):
    """For countdown/ETA, revoke and time-limit checks."""
    time.sleep(seconds)
    return seconds


@shared_task(name="jobctl.outlive_soft_limit")
def outlive_soft_limit(seconds):
    """For the hard time limit: survives SoftTimeLimitExceeded and keeps sleeping, so only the hard
    limit (SIGKILL of the pool child, TimeLimitExceeded) can end it before `seconds`."""
    deadline = time.monotonic() + seconds
    soft = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return {"survived": True, "soft_limits_seen": soft}
        try:
            time.sleep(remaining)
        except SoftTimeLimitExceeded:
            soft += 1


def _gevent_patched():
    if "gevent" not in sys.modules:
        return False
    try:
        from gevent import monkey

        return bool(monkey.is_module_patched("socket"))
    except Exception:
        return False


@shared_task(name="jobctl.asyncio_probe")
def asyncio_probe(hold=0.01):
    """What asyncio.run() really does inside a task under the running pool (run twice: a second
    asyncio.run in the same process must work too, it creates a fresh loop each time)."""
    info = {
        "pid": os.getpid(),
        "thread": threading.current_thread().name,
        "main_thread": threading.current_thread() is threading.main_thread(),
        "gevent_patched": _gevent_patched(),
    }
    try:
        asyncio.get_running_loop()
        info["running_loop_in_task"] = True
    except RuntimeError:
        info["running_loop_in_task"] = False

    async def work():
        # `hold` keeps the loop running long enough for concurrent probes (gevent/eventlet/threads) to overlap
        await asyncio.sleep(hold)
        return "ok"

    runs = []
    for _ in range(2):
        try:
            runs.append(asyncio.run(work()))
        except Exception as exc:  # report, don't fail: the point is to show what happens
            runs.append("%s: %s" % (type(exc).__name__, exc))
    info["runs"] = runs
    info["ok"] = all(r == "ok" for r in runs)
    return info


# The app's own configuration reaches these probes: task_annotations ('*' or a jobctl task name)
# and task_default_rate_limit are applied to every task when it is bound (celery/app/task.py
# Task.bind/annotate), after the decorator options. A '1/m' rate limit would stretch the smoke test
# to minutes and `ignore_result` would hide the results jobctl reads, which says nothing about the
# app's health. The probes get neutral values back here, at include time, before the consumer builds
# its rate-limit buckets. Time limits are sent per message (soft and hard, soft below hard), so the
# app's task_time_limit/task_soft_time_limit need no change here.
PROBES = ("jobctl.echo", "jobctl.fail", "jobctl.retry", "jobctl.sleep", "jobctl.outlive_soft_limit", "jobctl.asyncio_probe")


def _neutralise(app):
    for name in PROBES:
        task = app.tasks.get(name)
        if task is None:
            continue
        task.rate_limit = None
        task.ignore_result = False
        task.store_errors_even_if_ignored = True


_neutralise(current_app)
