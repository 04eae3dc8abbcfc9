"""Load a Celery app's configuration the way a worker does and report what Celery said about it.

Usage: python probe_config.py MODULE VARIABLE SETTING[,SETTING...]   (run from the project folder)
Prints one JSON object: ok, error, deprecated (old keys Celery detected), warnings (every warning raised
while loading, including CDeprecationWarning from maybe_warn_deprecated_settings, which the worker calls
at start-up: celery/apps/worker.py), values (repr of the named settings), tasks.
"""
import json
import sys
import warnings

sys.path.insert(0, '.')
out = {}
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter('always')
    try:
        module = __import__(sys.argv[1], fromlist=['_'])
        app = getattr(module, sys.argv[2])
        conf = app.conf
        conf.table()  # finalizes the config: detect_settings runs here (ImproperlyConfigured on mixed keys)
        app.loader.import_default_modules()
        out['deprecated'] = sorted(getattr(conf, 'deprecated_settings', None) or [])
        if hasattr(conf, 'maybe_warn_deprecated_settings'):
            conf.maybe_warn_deprecated_settings()
        names = [n for n in sys.argv[3].split(',') if n] if len(sys.argv) > 3 else []
        out['values'] = {n: repr(conf.get(n)) for n in names}
        out['tasks'] = sorted(t for t in app.tasks if not t.startswith('celery.'))
        out['ok'] = True
    except Exception as exc:  # reported, not raised: the test asserts on it
        out['ok'] = False
        out['error'] = f'{type(exc).__name__}: {exc}'
out['warnings'] = [f'{w.category.__name__}: {w.message}' for w in caught]
print(json.dumps(out))
