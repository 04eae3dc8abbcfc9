"""Print celery.app.defaults of the Celery installed in *this* interpreter as JSON on stdout.

Run by scripts/gen-release-data.py inside a throwaway venv that has exactly one Celery release
installed. Only reads module-level data (NAMESPACES, _TO_NEW_KEY); nothing is configured or started.
"""
import json
import re
import sys

_ADDR = re.compile(r' at 0x[0-9a-fA-F]+')


def stable_repr(value):
    """repr() that does not depend on hash seeds (sets) or memory addresses."""
    if isinstance(value, (set, frozenset)):
        items = sorted(stable_repr(v) for v in value)
        if not items:
            return 'set()' if isinstance(value, set) else 'frozenset()'
        body = '{' + ', '.join(items) + '}'
        return body if isinstance(value, set) else f'frozenset({body})'
    if isinstance(value, dict):
        return '{' + ', '.join(f'{stable_repr(k)}: {stable_repr(v)}' for k, v in value.items()) + '}'
    if isinstance(value, list):
        return '[' + ', '.join(stable_repr(v) for v in value) + ']'
    if isinstance(value, tuple):
        inner = ', '.join(stable_repr(v) for v in value)
        return f'({inner},)' if len(value) == 1 else f'({inner})'
    return _ADDR.sub('', repr(value))


def type_name(t):
    if isinstance(t, str):
        return t
    return 'python:' + getattr(t, '__name__', repr(t))


def dump(defaults_module, celery_version):
    d = defaults_module
    old_by_new = {}
    for old, new in d._TO_NEW_KEY.items():
        old_by_new.setdefault(new, []).append(old)
    settings = {}
    for name, opt in d.flatten(d.NAMESPACES):
        entry = {
            'default': stable_repr(opt.default),
            'type': type_name(opt.type),
            'oldNames': sorted(old_by_new.get(name, [])),
        }
        for attr, key in (('deprecate_by', 'deprecateBy'), ('remove_by', 'removeBy'), ('alt', 'alt')):
            v = getattr(opt, attr, None)
            if v is not None:
                entry[key] = str(v)
        settings[name] = entry
    return {
        'celeryVersion': celery_version,
        'python': '.'.join(map(str, sys.version_info[:3])),
        'settings': dict(sorted(settings.items())),
        'toNewKey': dict(sorted(d._TO_NEW_KEY.items())),
    }


if __name__ == '__main__':
    import celery
    from celery.app import defaults
    json.dump(dump(defaults, celery.__version__), sys.stdout, indent=1, sort_keys=False)
