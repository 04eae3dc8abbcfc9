"""Load a Celery app configured with config_from_object(MODULE, namespace='CELERY') and print, as JSON, the value
Celery uses for each setting named on the command line, plus what `.delay()` returns when the config is eager.

Usage: python probe_namespace.py MODULE SETTING[,SETTING...]   (run from the project folder)
"""
import json
import sys
import warnings

sys.path.insert(0, '.')
warnings.simplefilter('ignore')
import celery  # noqa: E402

app = celery.Celery('probe')
app.config_from_object(sys.argv[1], namespace='CELERY')


@app.task
def add(a, b):
    return a + b


names = [n for n in sys.argv[2].split(',') if n]
values = {n: repr(app.conf.get(n)) for n in names}
delay = type(add.delay(1, 2)).__name__ if app.conf.task_always_eager else None
print(json.dumps({'celery': celery.__version__, 'values': values, 'delay': delay}))
