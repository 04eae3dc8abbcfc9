"""Loads the user's Celery app the way `celery -A <app>` does and prints the settings jobctl's
producer must respect, as one JSON line. Never prints broker/backend URLs (only their scheme).
Usage: python jobctl_inspect_app.py <app>
Exit 3 with the Python error's last line on stderr when the app does not import.
"""
import json
import os
import sys

sys.path.insert(0, os.getcwd())
from jobctl_app_errors import exit_import_failure  # a module beside this script


def main():
    spec = sys.argv[1]
    try:
        from celery.app.utils import find_app

        app = find_app(spec)
        # what the worker does at start-up: import `imports` and `include` (task modules)
        app.loader.import_default_modules()
    except BaseException as exc:  # SystemExit from a module, ImportError, anything
        exit_import_failure(exc)
    conf = app.conf

    def scheme(url):
        if not url:
            return None
        url = url if isinstance(url, str) else str(url)
        return url.split("://", 1)[0] if "://" in url else url

    def plain(value):
        try:
            json.dumps(value)
            return value
        except TypeError:
            return repr(value)

    def quorum_queues():
        # the queue type the app's workers consume: task_default_queue_type (Celery >= 5.5) or a
        # task_queues entry with x-queue-type=quorum (any version)
        found = []
        if conf.get("task_default_queue_type") == "quorum":
            found.append(conf.task_default_queue)
        for q in conf.task_queues or []:
            args = getattr(q, "queue_arguments", None) or {}
            if args.get("x-queue-type") == "quorum":
                found.append(getattr(q, "name", str(q)))
        return sorted(set(found))

    bto = conf.broker_transport_options or {}
    rbto = conf.get("result_backend_transport_options") or {}
    tasks = sorted(name for name in app.tasks.keys())
    print(json.dumps({
        "main": app.main,
        "task_serializer": conf.task_serializer,
        "result_serializer": conf.result_serializer,
        "accept_content": list(conf.accept_content or []),
        "result_accept_content": plain(conf.get("result_accept_content")),
        "task_default_queue": conf.task_default_queue,
        "task_ignore_result": bool(conf.task_ignore_result),
        "worker_pool": plain(conf.worker_pool),
        "worker_concurrency": plain(conf.worker_concurrency),
        "broker_scheme": scheme(conf.broker_url),
        "backend_scheme": scheme(conf.result_backend),
        "quorum_queues": quorum_queues(),
        "global_keyprefix": plain(bto.get("global_keyprefix")),
        "result_global_keyprefix": plain(rbto.get("global_keyprefix")),
        "priority_steps": plain(bto.get("priority_steps")),
        "include": plain(list(conf.include or [])),
        "imports": plain(list(conf.imports or [])),
        "tasks_before_worker": tasks,
        # tasks declared with ignore_result=True themselves (@app.task(ignore_result=True))
        "tasks_ignoring_results": sorted(n for n, t in app.tasks.items() if getattr(t, "ignore_result", False) and not conf.task_ignore_result),
    }))


main()
