"""Starts the user's Celery worker exactly as `python -m celery ...` does (celery/__main__.py:
patch gevent/eventlet first, then run celery's own CLI), with jobctl's start-up hooks in between.

Usage: python -m jobctl_worker <the arguments `celery` would get>

Hooks, all driven by environment variables jobctl sets:
* JOBCTL_QUEUE: jobctl's private queue. With `task_create_missing_queues = False` the worker only
  consumes queues declared in `task_queues`, and `-Q jobctl.smoke.<random>` dies with KeyError /
  ImproperlyConfigured before any task module is imported. The worker sends `celeryd_init` before it
  selects its queues (celery/worker/worker.py WorkController.__init__: on_before_init, then
  setup_instance -> setup_queues), so the queue is declared for this run there. The app's own queues
  are left as they are.
* JOBCTL_MIN_CELERY: runtime commands speak the Celery >= 5 CLI; an older Celery is reported in one
  line on stderr (exit 64, "usage") instead of a usage dump.
"""
import os
import sys


def _declare_private_queue(sender=None, instance=None, conf=None, **kwargs):
    name = os.environ.get("JOBCTL_QUEUE")
    app = getattr(instance, "app", None)
    if not name or app is None:
        return
    # only where the worker would refuse an undeclared queue: otherwise `-Q` creates it as it always did,
    # and the app's queue table is not touched at all
    if app.conf.task_create_missing_queues:
        return
    queues = app.amqp.queues
    if name not in queues:
        # Queues.add builds Queue(name, exchange=default exchange, routing_key=name), as
        # create_missing would have done
        queues.add(name)


def main():
    # the same order as celery/__main__.py: the concurrency patch must come before anything imports
    # socket/threading (gevent, eventlet)
    from celery import maybe_patch_concurrency

    if "multi" not in sys.argv:
        maybe_patch_concurrency()
    import celery

    minimum = os.environ.get("JOBCTL_MIN_CELERY")
    if minimum:
        try:
            major = int(celery.__version__.split(".")[0])
        except ValueError:
            major = 0
        if major < int(minimum):
            sys.stderr.write("jobctl: runtime commands need Celery >= %s; found Celery %s in %s\n" % (minimum, celery.__version__, sys.executable))
            sys.exit(64)
    from celery.signals import celeryd_init

    celeryd_init.connect(_declare_private_queue, weak=False)
    from celery.bin.celery import main as celery_main

    sys.argv[0] = "celery"
    sys.exit(celery_main())


if __name__ == "__main__":
    main()
