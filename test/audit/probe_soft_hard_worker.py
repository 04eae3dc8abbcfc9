"""Run a real prefork worker (-c 1) on the broker in $PROBE_BROKER_URL (env, never argv: it holds a password) and
send tasks whose soft time limit is not below the hard one; print, as JSON, when SoftTimeLimitExceeded reached
the task, what the caller got, and the worker's own soft/hard log lines with the time between them.

Usage: PROBE_BROKER_URL=redis://... PROBE_SOFT=3 PROBE_HARD=2 python probe_soft_hard_worker.py WORKDIR
"""
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import warnings

warnings.simplefilter('ignore')
work = sys.argv[1]
shutil.copy(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'probe_soft_hard_app.py'), os.path.join(work, 'tlapp.py'))
sys.path.insert(0, work)
import celery  # noqa: E402
import tlapp  # noqa: E402

worker_log = os.path.join(work, 'worker.log')
with open(worker_log, 'w') as wl:
    worker = subprocess.Popen([sys.executable, '-m', 'celery', '-A', 'tlapp', 'worker', '-P', 'prefork', '-c', '1', '-l', 'INFO',
                               '--without-heartbeat', '--without-mingle', '--without-gossip'],
                              cwd=work, stdout=wl, stderr=subprocess.STDOUT, start_new_session=True)
out = {'celery': celery.__version__, 'runs': []}
try:
    for name in ('sleeper',):
        log = os.path.join(work, f'{name}.log')
        task = getattr(tlapp, name)
        res = task.apply_async((log,))
        try:
            res.get(timeout=60)
            got = None
        except Exception as exc:  # the hard kill: reported, the test asserts on it
            got = f'{type(exc).__name__}: {exc}'
        lines = open(log).read().split('\n') if os.path.exists(log) else []
        soft = next((float(x.split()[1]) for x in lines if x.startswith('soft ')), None)
        out['runs'].append({'task': name, 'id': res.id, 'soft': float(tlapp.app.conf.task_soft_time_limit),
                            'hard': float(tlapp.app.conf.task_time_limit), 'soft_fired_at': soft,
                            'caller_got': got, 'cleanup_finished': 'cleanup finished' in lines})
finally:
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()

# "[2026-11-29 18:03:37,401: WARNING/MainProcess] Soft time limit (3.0s) exceeded for tlapp.sleeper[<id>]"
stamp = re.compile(r'^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}): [A-Z]+/MainProcess\] (Soft|Hard) time limit .*\[([0-9a-f-]+)\]')
events = {}
for line in open(worker_log):
    m = stamp.match(line)
    if m:
        events.setdefault(m.group(3), {})[m.group(2).lower()] = datetime.datetime.strptime(m.group(1), '%Y-%m-%d %H:%M:%S,%f')
for run in out['runs']:
    ev = events.get(run['id'], {})
    run['worker_logged'] = sorted(ev, key=lambda k: ev[k])
    run['kill_after_soft'] = (ev['hard'] - ev['soft']).total_seconds() if 'soft' in ev and 'hard' in ev else None
print(json.dumps(out))
