#!/usr/bin/env python3
"""Generates src/knowledge/data/removed-names.json: the public names (and modules) of the `celery`
package that one release line still has and the next one no longer has — read from the real
packages, not from changelogs. For each version below it installs `celery==<version>` from PyPI
into a throwaway venv under .cache/venvs/names-celery-<version>, walks every celery.* module file,
imports what imports, and records the public names defined there. Names that are only stdlib or
typing helpers imported into a celery module (`timedelta`, `Any`) are left out: nobody imports
them from celery on purpose. A module that exists but cannot be imported (an optional backend
whose driver is not installed) is never reported as removed.

    python3 scripts/gen-removed-names.py            # all lines below
    python3 scripts/gen-removed-names.py --out x.json
"""
import json
import os
import subprocess
import sys
import venv

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# the newest release of each line (what a team upgrading from that line has installed)
VERSIONS = ["5.2.7", "5.3.6", "5.4.0", "5.5.3", "5.6.3", "5.7.0"]

DUMP = r'''
import importlib, json, os, pkgutil, sys, warnings
warnings.simplefilter("ignore")
import celery
out = {"version": celery.__version__, "modules": {}, "unimportable": []}
base = os.path.dirname(celery.__file__)
names = []
for dirpath, dirnames, filenames in os.walk(base):
    dirnames[:] = [d for d in dirnames if d != "__pycache__"]
    for f in filenames:
        if not f.endswith(".py"):
            continue
        rel = os.path.relpath(os.path.join(dirpath, f), os.path.dirname(base))[:-3].replace(os.sep, ".")
        if rel.endswith(".__init__"):
            rel = rel[: -len(".__init__")]
        names.append(rel)
OWN = ("celery", "kombu", "billiard", "vine", "amqp")
for name in sorted(names):
    try:
        mod = importlib.import_module(name)
    except BaseException:
        out["unimportable"].append(name)
        continue
    public = []
    for attr in dir(mod):
        if attr.startswith("_"):
            continue
        obj = getattr(mod, attr, None)
        if type(obj).__name__ == "module":
            continue  # submodules come and go as attributes with what imported them; files are compared instead
        origin = getattr(obj, "__module__", None) or name
        if isinstance(origin, str) and origin.split(".")[0] in OWN:
            public.append(attr)
    out["modules"][name] = sorted(public)
print(json.dumps(out))
'''


def venv_python(version):
    d = os.path.join(ROOT, ".cache", "venvs", "names-celery-" + version)
    py = os.path.join(d, "bin", "python")
    marker = os.path.join(d, ".ready")
    if not os.path.exists(marker):
        sys.stderr.write("[gen-removed-names] installing celery==%s\n" % version)
        venv.create(d, with_pip=True, clear=True)
        subprocess.run([py, "-m", "pip", "install", "-q", "--disable-pip-version-check", "celery==" + version], check=True)
        open(marker, "w").write(version)
    return py


def main():
    out_path = os.path.join(ROOT, "src", "knowledge", "data", "removed-names.json")
    if "--out" in sys.argv:
        out_path = sys.argv[sys.argv.index("--out") + 1]
    dumps = []
    for v in VERSIONS:
        r = subprocess.run([venv_python(v), "-c", DUMP], capture_output=True, text=True, check=True)
        dumps.append(json.loads(r.stdout.strip().splitlines()[-1]))
    removed = []
    for prev, cur in zip(dumps, dumps[1:]):
        cur_all = set(cur["modules"]) | set(cur["unimportable"])
        entry = {"from": prev["version"], "to": cur["version"], "modules": [], "names": {}}
        for mod, names in sorted(prev["modules"].items()):
            if mod not in cur_all:
                entry["modules"].append(mod)
                continue
            if mod not in cur["modules"]:
                continue  # not importable in the newer venv: cannot tell
            gone = sorted(set(names) - set(cur["modules"][mod]))
            if gone:
                entry["names"][mod] = gone
        removed.append(entry)
    data = {
        "generatedBy": "scripts/gen-removed-names.py",
        "source": "public names of every celery.* module, read from the installed wheels (pip install celery==<version>)",
        "versions": VERSIONS,
        "removed": removed,
    }
    with open(out_path, "w") as f:
        json.dump(data, f, indent=1, sort_keys=False)
        f.write("\n")
    sys.stderr.write("[gen-removed-names] wrote %s\n" % os.path.relpath(out_path, ROOT))


if __name__ == "__main__":
    main()
