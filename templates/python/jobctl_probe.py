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

from celery import shared_task


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


def _gevent_patched():
    if "gevent" not in sys.modules:
        return False
    try:
        from gevent import monkey

        return bool(monkey.is_module_patched("socket"))
    except Exception:
        return False


@shared_task(name="jobctl.asyncio_probe")
def asyncio_probe():
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
        await asyncio.sleep(0.01)
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
