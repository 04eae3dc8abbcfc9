"""Celery's own Python producer, for bench/load-producer.mjs (the peer jobctl's producer is compared with).

usage: pyproducer.py <mode> <n> <broker_url> <backend_url> <queue>
  publish-loop     apply_async in a for loop, nothing consumes (publish + broker ack only)
  publish-threads  the same from 50 threads
  e2e-loop         apply_async all n in a loop, then .get() each result (a worker consumes)
  e2e-threads      ThreadPoolExecutor(50): apply_async().get() per task (50 in flight)
Prints one JSON line: {"mode", "n", "seconds", "cpu_seconds", "per_sec"}.
"""
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from celery import Celery

mode, n, broker, backend, queue = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
app = Celery("bench", broker=broker, backend=backend)
app.conf.update(accept_content=["json"], task_serializer="json", result_serializer="json")


@app.task(name="jobctl_loadprobe.noop")
def noop():  # the name the worker runs; this body never executes here
    return None


def send():
    return noop.apply_async(queue=queue)


# warm the connection pools outside the timed part (as jobctl's producer also connects first)
app.connection_for_write().ensure_connection()
cpu0, t0 = time.process_time(), time.perf_counter()
if mode == "publish-loop":
    for _ in range(n):
        send()
elif mode == "publish-threads":
    with ThreadPoolExecutor(50) as pool:
        list(pool.map(lambda _: send(), range(n)))
elif mode == "e2e-loop":
    results = [send() for _ in range(n)]
    for r in results:
        r.get(timeout=120)
elif mode == "e2e-threads":
    with ThreadPoolExecutor(50) as pool:
        list(pool.map(lambda _: send().get(timeout=120), range(n)))
else:
    sys.exit("unknown mode " + mode)
secs, cpu = time.perf_counter() - t0, time.process_time() - cpu0
print(json.dumps({"mode": mode, "n": n, "seconds": secs, "cpu_seconds": cpu, "per_sec": n / secs}))
