"""jobctl load-test probe: workload tasks and per-task timing for `jobctl load-test`.

Loaded by the worker jobctl starts, either as its own app (`celery -A jobctl_loadprobe worker`, when
JOBCTL_LOADPROBE_STANDALONE=1) or next to the user's app (`celery -A proj worker --include jobctl_loadprobe`).

Timing: Celery sends `task_prerun` just before the task body and `task_postrun` after the result has
been stored (celery/app/trace.py: `mark_as_done` runs before `send_postrun`). At postrun this module
queues `[task_id, started, finished, pid, state]` (wall-clock seconds) and PUBLISHes the queued
entries as one JSON list on the channel named by JOBCTL_LOADPROBE_CHANNEL every 50 ms (or at 32
entries), so jobctl can split end-to-end latency into queue wait (published -> started) and run
time, for any task, without changing what the task returns. Batching keeps the probe's cost per
task (a Redis round trip in the worker, a message to parse in jobctl) out of what is measured.
"""
import asyncio
import json
import os
import threading
import time

from celery import Celery, shared_task
from celery.signals import task_postrun, task_prerun

if os.environ.get("JOBCTL_LOADPROBE_STANDALONE") == "1":
    app = Celery("jobctl_loadprobe")
    app.conf.update(
        broker_url=os.environ["JOBCTL_LOADPROBE_BROKER"],
        result_backend=os.environ["JOBCTL_LOADPROBE_BACKEND"],
        accept_content=["json"],
        task_serializer="json",
        result_serializer="json",
        result_expires=3600,
        broker_connection_retry_on_startup=True,
    )

_CHANNEL = os.environ.get("JOBCTL_LOADPROBE_CHANNEL")
_REDIS_URL = os.environ.get("JOBCTL_LOADPROBE_TIMING_REDIS")
_client = None
_client_pid = None
_started = {}
_pending = []
_lock = threading.Lock()
_flusher_pid = None
_BATCH = 32
_FLUSH_SECONDS = 0.05
# Memory kept on purpose by the `leak` task (the leak jobctl's leak check must flag).
_LEAKED = []


def _redis():
    """One client per process: prefork children must not share the parent's socket."""
    global _client, _client_pid
    if _client is None or _client_pid != os.getpid():
        import redis  # installed with celery[redis]

        _client = redis.Redis.from_url(_REDIS_URL)
        _client_pid = os.getpid()
    return _client


def _flush():
    with _lock:
        if not _pending:
            return
        items = list(_pending)
        del _pending[:]
    try:
        _redis().publish(_CHANNEL, json.dumps(items))
    except Exception:  # timing is best effort: never fail a task because of it
        pass


def _flush_forever():
    while True:
        time.sleep(_FLUSH_SECONDS)
        _flush()


def _ensure_flusher():
    """A daemon thread per process (started after the fork, in the pool child itself)."""
    global _flusher_pid
    if _flusher_pid != os.getpid():
        _flusher_pid = os.getpid()
        threading.Thread(target=_flush_forever, name="jobctl-loadprobe-flush", daemon=True).start()


@task_prerun.connect
def _on_prerun(task_id=None, **_):
    _started[task_id] = time.time()


@task_postrun.connect
def _on_postrun(task_id=None, state=None, **_):
    started = _started.pop(task_id, None)
    if started is None or not _CHANNEL or not _REDIS_URL:
        return
    _ensure_flusher()
    with _lock:
        _pending.append([task_id, started, time.time(), os.getpid(), state])
        full = len(_pending) >= _BATCH
    if full:
        _flush()


@shared_task(name="jobctl_loadprobe.noop")
def noop():
    return None


@shared_task(name="jobctl_loadprobe.sleep")
def sleep(ms):
    time.sleep(ms / 1000.0)
    return ms


@shared_task(name="jobctl_loadprobe.cpu")
def cpu(ms):
    """Burn CPU for `ms` milliseconds of this process's CPU time."""
    end = time.process_time() + ms / 1000.0
    n = 0
    while time.process_time() < end:
        n += 1
    return n


@shared_task(name="jobctl_loadprobe.leak")
def leak(kb):
    """Allocate `kb` KiB, touch every page, and keep it for the life of the process."""
    _LEAKED.append(b"\xa5" * int(kb * 1024))
    return len(_LEAKED)


@shared_task(name="jobctl_loadprobe.allocate")
def allocate(kb):
    """Allocate and touch `kb` KiB, then free it: the clean counterpart of `leak`."""
    block = b"\xa5" * int(kb * 1024)
    return len(block)


@shared_task(name="jobctl_loadprobe.asyncio_sleep")
def asyncio_sleep(ms):
    """An asyncio round trip inside a sync task: asyncio.run() works in prefork/solo/threads pools,
    which run no event loop of their own."""
    async def main():
        await asyncio.sleep(ms / 1000.0)
        return ms

    return asyncio.run(main())


@shared_task(name="jobctl_loadprobe.fail")
def fail(message="jobctl load-test probe failure"):
    raise ValueError(message)


def _rss_bytes():
    """This process's resident set size now: /proc/self/statm (Linux, proc(5): field 2 = resident
    pages), else psutil when installed, else None (ru_maxrss is a peak, not the current size)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE"), "/proc/self/statm"
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil  # optional

        return psutil.Process().memory_info().rss, "psutil"
    except Exception:
        return None, None


@shared_task(name="jobctl_loadprobe.rss", bind=True)
def rss(self, hold_ms=0):
    """jobctl load-test --fleet: report the RSS of the pool process that runs this task, with the
    worker's node name and the process ids, so jobctl can follow each worker's and each pool
    process's memory over the run on a fleet it cannot see from /proc. `hold_ms` keeps the process
    busy for a moment so that a burst of probes spreads over the pool's processes."""
    if hold_ms:
        time.sleep(hold_ms / 1000.0)
    value, source = _rss_bytes()
    return {
        "hostname": self.request.hostname,
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "rss": value,
        "source": source,
        "time": time.time(),
    }
