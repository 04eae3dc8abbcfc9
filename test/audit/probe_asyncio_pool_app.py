"""Celery app for probe_asyncio_pool.py (copied next to the worker as aioapp.py): tasks that each start their own
asyncio loop, the two ways JC205 finds (asyncio.run, new_event_loop + run_until_complete), and await a sleep.
"""
import asyncio
import os

from celery import Celery

app = Celery('aioapp', broker=os.environ['PROBE_BROKER_URL'], backend=os.environ['PROBE_BROKER_URL'])
app.conf.broker_connection_retry_on_startup = True
app.conf.worker_hijack_root_logger = False


async def _work(n):
    await asyncio.sleep(1)
    return n


@app.task
def run_async(n):
    return asyncio.run(_work(n))


@app.task
def own_loop(n):
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(_work(n))
    finally:
        loop.close()



@app.task
def async_to_sync_call(n):
    from asgiref.sync import async_to_sync  # asgiref: installed with Django
    return async_to_sync(_work)(n)
