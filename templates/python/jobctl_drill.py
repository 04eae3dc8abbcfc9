"""jobctl's drill tasks, injected into the user's own worker with `celery ... worker --include jobctl_drill`.

Registered through `shared_task` with no options of their own, so they run under the app's own
task defaults (task_acks_late, task_reject_on_worker_lost, task_acks_on_failure_or_timeout, the
Task base class): what happens to them is what happens to the app's tasks that do not override those.

Every execution is written to the file named by JOBCTL_DRILL_LOG, one line per event, with one
O_APPEND write (atomic for short lines), so jobctl counts executions and duplicates without the broker:
    start <task id> <pid> <unix time> <redelivered>
    end <task id> <pid> <unix time>

JOBCTL_DRILL_OVERRIDES (JSON) scales the app's own timeouts down for the drill: keys of
broker_transport_options are merged into the app's; other keys replace the setting. The effective
values the worker runs with are written once as `conf <json>`.
"""
import json
import os
import time

from celery import current_app, shared_task

_LOG = os.environ.get("JOBCTL_DRILL_LOG")


def _write(line):
    if not _LOG:
        return
    fd = os.open(_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode("utf-8"))
    finally:
        os.close(fd)


def _apply_overrides():
    raw = os.environ.get("JOBCTL_DRILL_OVERRIDES")
    if not raw:
        return
    conf = current_app.conf
    for key, value in json.loads(raw).items():
        if key == "broker_transport_options":
            merged = dict(conf.broker_transport_options or {})
            merged.update(value)
            conf.broker_transport_options = merged
        else:
            conf[key] = value


def _report_conf():
    conf = current_app.conf
    bto = dict(conf.broker_transport_options or {})
    try:
        import kombu

        kombu_version = kombu.__version__
    except Exception:  # pragma: no cover
        kombu_version = None
    import celery

    out = {
        "celery": celery.__version__,
        "kombu": kombu_version,
        "task_acks_late": bool(conf.task_acks_late),
        "task_reject_on_worker_lost": conf.task_reject_on_worker_lost,
        "task_acks_on_failure_or_timeout": conf.task_acks_on_failure_or_timeout,
        "broker_connection_retry": conf.broker_connection_retry,
        "worker_cancel_long_running_tasks_on_connection_loss": conf.get("worker_cancel_long_running_tasks_on_connection_loss"),
        "worker_soft_shutdown_timeout": conf.get("worker_soft_shutdown_timeout"),
        "task_time_limit": conf.task_time_limit,
        "result_expires": conf.result_expires.total_seconds() if hasattr(conf.result_expires, "total_seconds") else conf.result_expires,
        "visibility_timeout": bto.get("visibility_timeout"),
        "app_visibility_timeout": _APP_BTO.get("visibility_timeout"),
        "app_unacked_restore_interval": _APP_BTO.get("unacked_restore_interval"),
        "unacked_restore_interval": bto.get("unacked_restore_interval"),
        "unacked_restore_throttle": bto.get("unacked_restore_throttle"),
        "worker_prefetch_multiplier": conf.worker_prefetch_multiplier,
    }
    _write("conf " + json.dumps(out, default=str))


def _apply_task_options():
    """JOBCTL_DRILL_TASK_OPTIONS: the acknowledgement options of one of the project's own tasks, which the drill task takes on."""
    raw = os.environ.get("JOBCTL_DRILL_TASK_OPTIONS")
    if not raw:
        return
    for key, value in json.loads(raw).items():
        setattr(work, key, value)


_APP_BTO = dict(current_app.conf.broker_transport_options or {})
_apply_overrides()
_report_conf()


@shared_task(name="jobctl.drill.work", bind=True)
def work(self, seconds, payload=None):
    """Runs `seconds`, logging its start and end; returns `payload` (the maxmemory drill sends a big one)."""
    info = self.request.delivery_info or {}
    _write("start %s %d %.3f %s" % (self.request.id, os.getpid(), time.time(), 1 if info.get("redelivered") else 0))
    if seconds:
        time.sleep(seconds)
    _write("end %s %d %.3f" % (self.request.id, os.getpid(), time.time()))
    return payload if payload is not None else seconds


_apply_task_options()
