"""jobctl verify, import stage: load the user's Celery app the way `celery -A <app> worker` does,
and print, as one JSON line, what the upgrade rehearsal compares between two Celery versions:
the version, the registered tasks, the settings that differ from Celery's defaults (secrets
masked), and every warning Celery emitted while loading (deprecations included).
Usage: python jobctl_verify_import.py <app>
Exit 3 with {"error", "where"} on stderr when the app does not import.
"""
import json
import os
import re
import sys
import warnings

sys.path.insert(0, os.getcwd())
from jobctl_app_errors import URL_PASSWORD, exit_import_failure  # a module beside this script
SECRET_KEY = re.compile(r"(pass(word)?|secret|token|api_?key|credential|private)", re.I)


def masked(key, value):
    if isinstance(value, str):
        value = URL_PASSWORD.sub(r"\1****\3", value)
        if SECRET_KEY.search(key) and value:
            return value[:2] + "****"
        return value
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [masked(key, v) for v in value]
    if isinstance(value, dict):
        return {str(k): masked(str(k), v) for k, v in value.items()}
    return URL_PASSWORD.sub(r"\1****\3", repr(value))


def main():
    spec = sys.argv[1]
    caught = []
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            import celery
            from celery.app.utils import find_app

            app = find_app(spec)
            app.loader.import_default_modules()
            conf = app.conf
            conf.table()  # finalises the configuration: Celery's own checks (mixed styles, deprecated names) run here
            changes = conf.table(with_defaults=False)
            # Celery's settings only: with config_from_object('django.conf:settings', namespace='CELERY')
            # the table also holds every Django setting (SECRET_KEY, TEMPLATES, ...)
            from celery.app.defaults import DEFAULTS

            prefix = (app.namespace + "_") if app.namespace else None
            changes = {
                k: v for k, v in changes.items()
                if k in DEFAULTS or (prefix and k.startswith(prefix) and k[len(prefix):].lower() in DEFAULTS)
            }
        except BaseException as exc:
            exit_import_failure(exc)
        caught = list(w)
    out = {
        "celery": celery.__version__,
        "python": "%d.%d.%d" % sys.version_info[:3],
        "tasks": sorted(app.tasks.keys()),
        "config": {k: masked(k, v) for k, v in sorted(changes.items()) if k != "deprecated_settings"},
        "warnings": sorted({"%s: %s" % (c.category.__name__, URL_PASSWORD.sub(r"\1****\3", str(c.message)).splitlines()[0]) for c in caught}),
    }
    print(json.dumps(out, default=repr))


if __name__ == "__main__":
    main()
