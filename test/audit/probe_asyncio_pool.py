"""Run a real worker with the pool named on the command line (-c 4) on the broker in $PROBE_BROKER_URL (env, never
argv: it holds a password), send 4 concurrent calls of each asyncio task, and print, as JSON, what each call returned
or raised.

Usage: PROBE_BROKER_URL=redis://... python probe_asyncio_pool.py WORKDIR POOL
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import warnings

warnings.simplefilter('ignore')
work, pool = sys.argv[1], sys.argv[2]
shutil.copy(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'probe_asyncio_pool_app.py'), os.path.join(work, 'aioapp.py'))
sys.path.insert(0, work)
import celery  # noqa: E402
import aioapp  # noqa: E402

with open(os.path.join(work, 'worker.log'), 'w') as wl:
    worker = subprocess.Popen([sys.executable, '-m', 'celery', '-A', 'aioapp', 'worker', '-P', pool, '-c', '4', '-l', 'INFO',
                               '--without-heartbeat', '--without-mingle', '--without-gossip'],
                              cwd=work, stdout=wl, stderr=subprocess.STDOUT, start_new_session=True)
out = {'celery': celery.__version__, 'pool': pool, 'results': {}}
try:
    for name in ('run_async', 'own_loop', 'async_to_sync_call'):
        calls = [getattr(aioapp, name).delay(i) for i in range(4)]
        results = []
        for r in calls:
            try:
                results.append(r.get(timeout=60))
            except Exception as exc:  # reported: the test asserts on it
                results.append(f'{type(exc).__name__}: {exc}')
        out['results'][name] = results
finally:
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
print(json.dumps(out))
