"""Call apply_async once with a global soft time limit above the hard one and print what Celery did, as JSON.

Usage: python probe_time_limits.py SOFT HARD   (memory:// broker: nothing leaves the process)
"""
import json
import sys
import warnings

warnings.simplefilter('ignore')
import celery  # noqa: E402

app = celery.Celery('probe', broker='memory://', backend='cache+memory://')
app.conf.task_soft_time_limit = float(sys.argv[1])
app.conf.task_time_limit = float(sys.argv[2])


@app.task
def add(a, b):
    return a + b


try:
    add.apply_async((1, 2))
    out = {'raised': None}
except Exception as exc:  # reported: the test asserts on it
    out = {'raised': f'{type(exc).__name__}: {exc}'}
out['celery'] = celery.__version__
print(json.dumps(out))
