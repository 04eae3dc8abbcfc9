"""Celery app for probe_soft_hard_worker.py (copied next to the worker as tlapp.py): a task that sleeps, records
when SoftTimeLimitExceeded reaches it, then sleeps again (its "cleanup") and records whether that finished.
Its limits are the global task_soft_time_limit/task_time_limit ($PROBE_SOFT/$PROBE_HARD), as JC604 reads them.
"""
import os
import time

from celery import Celery
from celery.exceptions import SoftTimeLimitExceeded

app = Celery('tlapp', broker=os.environ['PROBE_BROKER_URL'], backend=os.environ['PROBE_BROKER_URL'])
app.conf.task_soft_time_limit = float(os.environ.get('PROBE_SOFT', '3'))
app.conf.task_time_limit = float(os.environ.get('PROBE_HARD', '2'))
app.conf.worker_hijack_root_logger = False
app.conf.broker_connection_retry_on_startup = True


def _sleep(log):
    start = time.monotonic()
    try:
        time.sleep(30)
    except SoftTimeLimitExceeded:
        with open(log, 'a') as fh:
            fh.write(f'soft {time.monotonic() - start:.3f}\n')
        time.sleep(30)
        with open(log, 'a') as fh:
            fh.write('cleanup finished\n')


@app.task
def sleeper(log):
    _sleep(log)
