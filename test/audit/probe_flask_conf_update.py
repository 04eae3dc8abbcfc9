"""Which keys of a Flask config module Celery applies when the app hands it over with conf.update(app.config).

For each upper-case name of MODULE, the Celery app is built from the project's own factory (FACTORY, a
'pkg.mod:function' returning the Celery app) once with the module as written and once without that name; the
name is "applied" when any value Celery resolves (every setting of celery.app.defaults, plus conf.broker_url)
differs. Without Flask installed, the factory cannot run: the config is then built as Flask's
Config.from_object builds it (every upper-case attribute) and handed to Celery(broker=CELERY_BROKER_URL) +
conf.update, as the factory does.
Prints JSON {"celery": version, "flask": bool, "applied": {name: bool}}.

Usage: python probe_flask_conf_update.py MODULE FACTORY   (run from the project folder)
"""
import importlib
import json
import sys
import warnings

sys.path.insert(0, '.')
warnings.simplefilter('ignore')
import celery  # noqa: E402
from celery.app.defaults import DEFAULTS  # noqa: E402

settings = importlib.import_module(sys.argv[1])
names = [n for n in dir(settings) if n.isupper()]
mod_name, fn_name = sys.argv[2].split(':')
try:
    import flask  # noqa: F401
    factory = getattr(importlib.import_module(mod_name), fn_name)
    has_flask = True
except ImportError:
    has_flask = False


def resolved(skip):
    saved = getattr(settings, skip) if skip else None
    if skip:
        delattr(settings, skip)
    try:
        if has_flask:
            app = factory()
        else:
            conf = {n: getattr(settings, n) for n in dir(settings) if n.isupper()}
            app = celery.Celery(broker=conf.get('CELERY_BROKER_URL'))
            app.conf.update(conf)
        out = {k: repr(app.conf.get(k)) for k in DEFAULTS}
        out['broker_url'] = repr(app.conf.broker_url)
        return out
    finally:
        if skip:
            setattr(settings, skip, saved)


base = resolved(None)
applied = {n: resolved(n) != base for n in names}
print(json.dumps({'celery': celery.__version__, 'flask': has_flask, 'applied': applied}))
