#!/usr/bin/env python3
"""Generate jobctl's release knowledge (src/knowledge/data/*.json) from the published packages.

For every final Celery release from --min (5.0.0) to the newest on PyPI:
  * upload date, yanked flag and reason         <- PyPI simple index (PEP 691 JSON)
  * Requires-Python, Requires-Dist, classifiers <- METADATA of the release's wheel (sha256-checked)
  * settings, defaults, types, old->new names   <- celery.app.defaults imported in a throwaway venv
                                                   that has exactly that release installed
For every final kombu release from 5.0.0 on: the same metadata (no settings).

Everything downloaded or built lives under --cache (default .cache/gen-release-data, git-ignored);
per-release results are cached there too, so an interrupted run resumes and a re-run only does the
work for releases it has not seen yet ("adding the next release is one run").

Usage:
  python3 scripts/gen-release-data.py                  # all releases, writes src/knowledge/data/
  python3 scripts/gen-release-data.py --only 5.7.0     # (re)extract one release, rewrite the data
  python3 scripts/gen-release-data.py --out /tmp/data  # write elsewhere
Progress goes to stderr. See docs/knowledge.md.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from email.parser import Parser
from pathlib import Path

try:  # packaging is vendored by pip, which every Python with venv support has
    from packaging.requirements import Requirement
    from packaging.version import InvalidVersion, Version
except ImportError:  # pragma: no cover
    from pip._vendor.packaging.requirements import Requirement  # type: ignore
    from pip._vendor.packaging.version import InvalidVersion, Version  # type: ignore

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent / 'gen-release-data'
SIMPLE = 'https://pypi.org/simple/{name}/'
# Bump when the shape of a cached per-release record changes (invalidates the cache).
CACHE_SCHEMA = 4
RESEARCH_MAP = Path('/work/shared/research/celery-settings-map.tsv')



def write_json_atomic(out, name, doc, ensure_ascii=True):
    """Write out/name as JSON through a temp file and a rename, so a reader never sees half a file."""
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f'{name}.tmp'
    tmp.write_text(json.dumps(doc, indent=1, ensure_ascii=ensure_ascii) + '\n')
    tmp.replace(out / name)

def log(*parts: object) -> None:
    print('[gen-release-data]', *parts, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# PyPI


def http_get(url: str, accept: str | None = None, tries: int = 4) -> bytes:
    last: Exception | None = None
    for attempt in range(tries):
        try:
            req = urllib.request.Request(url, headers={'User-Agent': 'jobctl-gen-release-data/1'})
            if accept:
                req.add_header('Accept', accept)
            with urllib.request.urlopen(req, timeout=120) as resp:
                return resp.read()
        except Exception as e:  # network hiccup: retry with backoff
            last = e
            time.sleep(1.5 * (attempt + 1))
    raise RuntimeError(f'GET {url} failed: {last}')


def simple_index(name: str, cache: Path, offline: bool) -> dict:
    """The PEP 691 JSON simple index for a project; cached copy used only when offline/unreachable."""
    path = cache / 'index' / f'{name}.json'
    path.parent.mkdir(parents=True, exist_ok=True)
    if not offline:
        try:
            data = http_get(SIMPLE.format(name=name), accept='application/vnd.pypi.simple.v1+json')
            path.write_bytes(data)
            return json.loads(data)
        except Exception as e:
            if not path.exists():
                raise
            log(f'PyPI unreachable ({e}); using cached index {path}')
    return json.loads(path.read_text())


def final_versions(index: dict, minimum: str) -> list[Version]:
    out = []
    for v in index.get('versions', []):
        try:
            pv = Version(v)
        except InvalidVersion:
            continue
        if pv.is_prerelease or pv.is_devrelease or pv < Version(minimum):
            continue
        out.append(pv)
    return sorted(set(out))


def release_files(index: dict, name: str, version: Version) -> list[dict]:
    files = []
    for f in index['files']:
        fn = f['filename']
        m = re.match(r'^(?P<n>[A-Za-z0-9_.\-]+?)-(?P<v>[^-]+?)(-py|\.tar\.gz|\.zip|-cp)', fn)
        if not m:
            continue
        if re.sub(r'[-_.]+', '-', m.group('n')).lower() != name:
            continue
        try:
            if Version(m.group('v')) != version:
                continue
        except InvalidVersion:
            continue
        files.append(f)
    return files


def wheel_of(files: list[dict]) -> dict | None:
    wheels = [f for f in files if f['filename'].endswith('.whl')]
    # prefer the universal wheel
    wheels.sort(key=lambda f: (0 if 'none-any' in f['filename'] else 1, f['filename']))
    return wheels[0] if wheels else None


def download(f: dict, cache: Path) -> Path:
    dest = cache / 'wheels' / f['filename']
    dest.parent.mkdir(parents=True, exist_ok=True)
    want = f.get('hashes', {}).get('sha256')
    if dest.exists() and (not want or hashlib.sha256(dest.read_bytes()).hexdigest() == want):
        return dest
    data = http_get(f['url'])
    got = hashlib.sha256(data).hexdigest()
    if want and got != want:
        raise RuntimeError(f'{f["filename"]}: sha256 {got} != index {want}')
    tmp = dest.with_suffix('.part')
    tmp.write_bytes(data)
    tmp.replace(dest)
    return dest


# --------------------------------------------------------------------------------------------
# METADATA


def _split_marker(marker: str | None) -> tuple[str | None, str | None]:
    """('python_version < "3.10" and extra == "eventlet"') -> ('eventlet', 'python_version < "3.10"')."""
    if not marker:
        return None, None
    m = re.search(r'extra\s*==\s*["\']([^"\']+)["\']', marker)
    if not m:
        return None, marker
    extra = m.group(1)
    rest = marker[: m.start()] + marker[m.end():]
    rest = re.sub(r'\s+and\s*$', '', rest.strip())
    rest = re.sub(r'^\s*and\s+', '', rest).strip()
    rest = re.sub(r'\(\s*\)', '', rest).strip()
    rest = re.sub(r'\s+and\s*$', '', rest).strip()
    if rest.startswith('(') and rest.endswith(')') and _balanced(rest[1:-1]):
        rest = rest[1:-1].strip()
    if 'extra' in rest:  # something unusual (or'ed extras): keep the whole marker
        return extra, marker
    return extra, rest or None


def _balanced(s: str) -> bool:
    depth = 0
    for ch in s:
        depth += ch == '('
        depth -= ch == ')'
        if depth < 0:
            return False
    return depth == 0


_LEGACY_REQ = re.compile(r'^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*'
                         r'(?:\((?P<paren>[^)]*)\)|(?P<bare>[^;]*))\s*(?:;(?P<marker>.*))?$')


def _parse_requirement(line: str) -> tuple[str, str, str | None]:
    """(name lowercased, specifier, marker). Falls back to a plain split for legacy metadata that
    current packaging rejects, e.g. celery 5.0-5.2.0's 'pytz (>dev)'."""
    try:
        req = Requirement(line)
        return req.name.lower(), str(req.specifier), (str(req.marker) if req.marker else None)
    except Exception:
        m = _LEGACY_REQ.match(line)
        if not m:
            raise
        spec = (m.group('paren') if m.group('paren') is not None else m.group('bare') or '').replace(' ', '')
        marker = (m.group('marker') or '').strip() or None
        return m.group('name').lower(), spec, marker


def parse_metadata(text: str) -> dict:
    msg = Parser().parsestr(text)
    requires: dict[str, str] = {}
    extras: dict[str, dict[str, str]] = {}
    for extra in msg.get_all('Provides-Extra') or []:
        extras.setdefault(extra, {})
    raw = msg.get_all('Requires-Dist') or []
    for line in raw:
        name, spec, marker_text = _parse_requirement(line)
        extra, marker = _split_marker(marker_text)
        value = spec + (f'; {marker}' if marker else '')
        bucket = requires if extra is None else extras.setdefault(extra, {})
        # the same name twice (e.g. different python_version markers): keep both, ' || '-joined
        bucket[name] = value if name not in bucket else f'{bucket[name]} || {value}'
    classifiers = msg.get_all('Classifier') or []
    pyvers = []
    for c in classifiers:
        m = re.fullmatch(r'Programming Language :: Python :: (\d+\.\d+)', c.strip())
        if m:
            pyvers.append(m.group(1))
    pyvers.sort(key=lambda v: tuple(int(x) for x in v.split('.')))
    # normalised: celery 5.0.x-5.2.6 publish 'Requires-Python: >=3.6,' (empty clause), which strict
    # PEP 440 parsers reject; pip ignores the empty clause, so do we
    rp = ','.join(p.strip() for p in (msg.get('Requires-Python') or '').split(',') if p.strip())
    return {
        'requiresPython': rp or None,
        'pythonClassifiers': pyvers,
        'requires': dict(sorted(requires.items())),
        'extras': {k: dict(sorted(v.items())) for k, v in sorted(extras.items())},
        'requiresDist': list(raw),
    }


def read_wheel_metadata(whl: Path) -> dict:
    with zipfile.ZipFile(whl) as z:
        names = [n for n in z.namelist() if n.endswith('.dist-info/METADATA')]
        if len(names) != 1:
            raise RuntimeError(f'{whl.name}: expected one METADATA, found {names}')
        return parse_metadata(z.read(names[0]).decode('utf-8'))


# --------------------------------------------------------------------------------------------
# settings: import celery.app.defaults in a venv with exactly this release


def _run(cmd: list[str], timeout: int = 900, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)


def settings_by_import(version: str, whl: Path, cache: Path) -> tuple[dict, str]:
    venv = cache / 'venvs' / f'celery-{version}'
    py = venv / 'bin' / 'python'
    ok_marker = venv / '.jobctl-installed'
    if not ok_marker.exists():
        if venv.exists():
            shutil.rmtree(venv)
        r = _run([sys.executable, '-m', 'venv', '--without-pip', str(venv)])
        if r.returncode:
            raise RuntimeError(f'venv: {r.stderr.strip()[-400:]}')
        r = _run([sys.executable, '-m', 'pip', '--python', str(py), 'install', '--quiet',
                  '--disable-pip-version-check', '--no-input', '--cache-dir', str(cache / 'pip-cache'),
                  str(whl)])
        if r.returncode:
            raise RuntimeError(f'pip install {whl.name}: {r.stderr.strip()[-600:]}')
        ok_marker.write_text('ok\n')
    env = dict(os.environ, PYTHONHASHSEED='0', PYTHONDONTWRITEBYTECODE='1')
    env.pop('PYTHONPATH', None)
    r = _run([str(py), '-I', str(HERE / 'dump_defaults.py')], timeout=300, env=env)
    if r.returncode:
        raise RuntimeError(f'import celery.app.defaults: {r.stderr.strip()[-600:]}')
    data = json.loads(r.stdout)
    if data['celeryVersion'] != version:
        raise RuntimeError(f'venv has celery {data["celeryVersion"]}, wanted {version}')
    pins = _run([sys.executable, '-m', 'pip', '--python', str(py), 'list', '--format=json',
                 '--disable-pip-version-check'])
    resolved = {}
    if pins.returncode == 0:
        for p in json.loads(pins.stdout):
            if p['name'].lower() in ('kombu', 'billiard', 'vine', 'click', 'amqp'):
                resolved[p['name'].lower()] = p['version']
    how = (f'celery.app.defaults imported from celery {version} (pip install of the PyPI wheel into a '
           f'venv, CPython {data["python"]}; resolved {", ".join(f"{k} {v}" for k, v in sorted(resolved.items()))})')
    return data, how


_STUBS = {
    'celery/__init__.py': '',
    'celery/app/__init__.py': '',
    'celery/utils/__init__.py': '',
    'celery/utils/functional.py': (
        'def memoize(*a, **k):\n'
        '    def deco(fun):\n'
        '        return fun\n'
        '    return deco\n'),
    'celery/utils/serialization.py': (
        "def strtobool(term, table=None):\n"
        "    return str(term).lower() in ('true', '1', 'yes', 'on', 'y')\n"),
}


def settings_by_exec(version: str, whl: Path) -> tuple[dict, str]:
    """Fallback when a release cannot be installed/imported on this Python: run the wheel's
    celery/app/defaults.py on its own, with the two celery.utils helpers it imports stubbed."""
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(whl) as z:
        root = Path(tmp)
        for rel, text in _STUBS.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        (root / 'celery/app/defaults.py').write_bytes(z.read('celery/app/defaults.py'))
        code = (
            'import sys, json; sys.path[:0] = [%r, %r]\n'
            'import dump_defaults\n'
            'from celery.app import defaults\n'
            'json.dump(dump_defaults.dump(defaults, %r), sys.stdout)\n' % (str(root), str(HERE), version))
        env = dict(os.environ, PYTHONHASHSEED='0', PYTHONDONTWRITEBYTECODE='1')
        r = _run([sys.executable, '-I', '-c', code], env=env)
        if r.returncode:
            raise RuntimeError(f'exec defaults.py: {r.stderr.strip()[-600:]}')
        data = json.loads(r.stdout)
    return data, (f'celery/app/defaults.py from the celery {version} wheel executed standalone '
                  f'(celery.utils helpers stubbed; fallback used because the release was not imported in a venv)')


# --------------------------------------------------------------------------------------------
# per-release records (cached)


def release_record(name: str, version: Version, index: dict, cache: Path, with_settings: bool,
                   force: bool, import_ok: bool) -> dict | None:
    files = release_files(index, name, version)
    if not files:
        log(f'{name} {version}: no files on PyPI, skipped')
        return None
    whl = wheel_of(files)
    if whl is None:
        log(f'{name} {version}: no wheel on PyPI, skipped')
        return None
    rec_path = cache / 'records' / f'{name}-{version}.json'
    rec_path.parent.mkdir(parents=True, exist_ok=True)
    sha = whl.get('hashes', {}).get('sha256')
    if rec_path.exists() and not force:
        rec = json.loads(rec_path.read_text())
        if rec.get('schema') == CACHE_SCHEMA and rec.get('sha256') == sha:
            return rec
    t0 = time.time()
    path = download(whl, cache)
    rec = {'schema': CACHE_SCHEMA, 'name': name, 'version': str(version), 'wheel': whl['filename'],
           'sha256': sha, **read_wheel_metadata(path)}
    src = [f'PyPI simple index + METADATA of {whl["filename"]} (sha256 {sha[:12] if sha else "?"})']
    if with_settings:
        data = None
        if import_ok:
            try:
                data, how = settings_by_import(str(version), path, cache)
            except Exception as e:
                log(f'{name} {version}: import failed ({e}); falling back to executing defaults.py')
        if data is None:
            data, how = settings_by_exec(str(version), path)
        rec['settings'] = data['settings']
        rec['toNewKey'] = data['toNewKey']
        src.append(how)
    rec['source'] = '; '.join(src)
    rec_path.write_text(json.dumps(rec, indent=1))
    log(f'{name} {version}: done in {time.time() - t0:.1f}s'
        + (f' ({len(rec["settings"])} settings)' if with_settings else ''))
    return rec


def index_facts(index: dict, name: str, version: Version) -> dict:
    files = release_files(index, name, version)
    dates = sorted(f.get('upload-time', '')[:10] for f in files if f.get('upload-time'))
    yanked = [f.get('yanked') for f in files]
    is_yanked = bool(files) and all(bool(y) for y in yanked)
    reason = next((y for y in yanked if isinstance(y, str) and y), None)
    out = {'date': dates[0] if dates else None, 'yanked': is_yanked}
    if is_yanked and reason:
        out['yankedReason'] = reason
    return out


# --------------------------------------------------------------------------------------------
# assembly


def vkey(v: str) -> Version:
    return Version(v)


def doc_table_mismatches(newest_to_new: dict[str, str]) -> list[dict]:
    """Rows of the research's docs-table comparison (celery-settings-map.tsv, DOC-TABLE flags),
    re-checked against the newest release's _TO_NEW_KEY. Stored in scripts/gen-release-data/doc-table.tsv
    so the generator does not depend on a path outside the repo."""
    path = HERE / 'doc-table.tsv'
    out = []
    for line in path.read_text().splitlines()[1:]:
        if not line.strip():
            continue
        doc_old, doc_new, note = line.split('\t', 2)
        code_old = sorted(o for o, n in newest_to_new.items() if n == doc_new)
        code_maps_doc_old_to = newest_to_new.get(doc_old)
        if code_maps_doc_old_to == doc_new:
            log(f'doc-table row {doc_old} -> {doc_new} now agrees with the code; dropped')
            continue
        out.append({
            'docOldName': doc_old,
            'docNewName': doc_new,
            'codeOldName': code_old[0] if code_old else None,
            **({'codeOldNames': code_old} if len(code_old) > 1 else {}),
            **({'codeMapsDocOldNameTo': code_maps_doc_old_to} if code_maps_doc_old_to else {}),
            'note': note,
        })
    return out


def assemble(celery_recs: list[dict], kombu_recs: list[dict], celery_index: dict, kombu_index: dict,
             out: Path) -> None:
    celery_recs = sorted(celery_recs, key=lambda r: vkey(r['version']))
    kombu_recs = sorted(kombu_recs, key=lambda r: vkey(r['version']))
    newest = celery_recs[-1]
    newest_settings = newest['settings']

    releases = []
    for rec in celery_recs:
        idx = index_facts(celery_index, 'celery', Version(rec['version']))
        defaults_diff = {k: v['default'] for k, v in rec['settings'].items()
                         if k in newest_settings and newest_settings[k]['default'] != v['default']}
        # _TO_NEW_KEY entries of this release that the newest release's map does not have the same way
        newest_map = newest['toNewKey']
        to_new_diff = {o: n for o, n in rec['toNewKey'].items() if newest_map.get(o) != n}
        # ... and entries of the newest map for settings this release has, that this release lacks
        to_new_missing = sorted(o for o, n in newest_map.items() if n in rec['settings'] and o not in rec['toNewKey'])
        r = {
            'version': rec['version'], **idx,
            'requiresPython': rec['requiresPython'], 'pythonClassifiers': rec['pythonClassifiers'],
            'requires': rec['requires'], 'extras': rec['extras'], 'requiresDist': rec['requiresDist'],
            'settings': sorted(rec['settings']),
            'defaults': dict(sorted(defaults_diff.items())),
            'oldToNewDiff': dict(sorted(to_new_diff.items())),
            **({'oldToNewMissing': to_new_missing} if to_new_missing else {}),
            'source': rec['source'],
        }
        releases.append(r)
    kombu = []
    for rec in kombu_recs:
        idx = index_facts(kombu_index, 'kombu', Version(rec['version']))
        kombu.append({'version': rec['version'], **idx, 'requiresPython': rec['requiresPython'],
                      'pythonClassifiers': rec['pythonClassifiers'], 'requires': rec['requires'],
                      'extras': rec['extras'], 'requiresDist': rec['requiresDist'], 'source': rec['source']})

    # settings across releases
    names = sorted({n for rec in celery_recs for n in rec['settings']})
    first = celery_recs[0]['version']
    settings = []
    for name in names:
        present = [rec for rec in celery_recs if name in rec['settings']]
        since_rec = present[0]
        since = f'<={first}' if since_rec is celery_recs[0] else since_rec['version']
        last = present[-1]
        fact = dict(last['settings'][name])
        entry = {'name': name, 'default': fact['default'], 'type': fact['type'],
                 'oldNames': fact['oldNames'], 'since': since}
        if last is not newest:
            after = [rec for rec in celery_recs if vkey(rec['version']) > vkey(last['version'])]
            entry['removedIn'] = after[0]['version']
        gaps = [rec['version'] for rec in celery_recs
                if vkey(since_rec['version']) < vkey(rec['version']) < vkey(last['version'])
                and name not in rec['settings']]
        if gaps:
            entry['absentIn'] = gaps
        for k in ('deprecateBy', 'removeBy', 'alt'):
            if k in fact:
                entry[k] = fact[k]
        # default history: version -> default repr, at every release where it changed
        hist = []
        prev = None
        for rec in present:
            d = rec['settings'][name]['default']
            if d != prev:
                hist.append({'version': rec['version'], 'default': d})
                prev = d
        if len(hist) > 1:
            entry['defaultChanges'] = hist
        settings.append(entry)

    removed_releases = json.loads((HERE / 'removed-releases.json').read_text())
    present_versions = {r['version'] for r in releases}
    removed_releases = [r for r in removed_releases if r['version'] not in present_versions]

    out.mkdir(parents=True, exist_ok=True)
    releases_doc = {
        'about': 'Generated by scripts/gen-release-data.py from the PyPI simple index and the published wheels; '
                 'do not edit by hand (see docs/knowledge.md).',
        'celery': releases,
        'kombu': kombu,
        'notOnIndex': removed_releases,
    }
    settings_doc = {
        'about': 'Generated by scripts/gen-release-data.py from celery.app.defaults of every release in releases.json; '
                 'do not edit by hand (see docs/knowledge.md).',
        'newestVersion': newest['version'],
        'oldestVersion': first,
        'settings': settings,
        'oldToNew': newest['toNewKey'],
        'docTableMismatches': doc_table_mismatches(newest['toNewKey']),
    }
    for fname, doc in (('releases.json', releases_doc), ('settings.json', settings_doc)):
        tmp = out / (fname + '.tmp')
        tmp.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + '\n')
        tmp.replace(out / fname)
    log(f'wrote {out / "releases.json"} ({len(releases)} celery, {len(kombu)} kombu releases) and '
        f'{out / "settings.json"} ({len(settings)} settings, {len(newest["toNewKey"])} old names)')


# --------------------------------------------------------------------------------------------
# dependency data (src/knowledge/data/dependencies.json) for the offline resolver in src/deps/:
# kept in its own functions and its own output file (the release data above is generated separately).

# Libraries the resolver picks versions of besides celery/kombu (their release lists only: version,
# Requires-Python, yanked). Their own Requires-Dist is not followed.
DEP_PACKAGES = ('redis', 'packaging', 'billiard', 'vine', 'click', 'amqp')
DEP_MIN = {'redis': '3.0.0'}

_MIN_REDIS = re.compile(r'redis\.VERSION\s*<\s*\(\s*(\d+)\s*,\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)')
_IMPORT = re.compile(r'^(?:from\s+([A-Za-z_][\w]*)[\w.]*\s+import\b|import\s+([A-Za-z_][\w]*))', re.M)


def redis_transport_facts(whl: Path) -> dict | None:
    """What kombu's Redis transport checks at run time, read from the wheel's kombu/transport/redis.py:
    the redis-py floor it enforces (`if redis.VERSION < (x, y, z): raise VersionMismatch`) and the
    third-party modules it imports at module level (an import error there breaks every Redis worker)."""
    with zipfile.ZipFile(whl) as z:
        try:
            text = z.read('kombu/transport/redis.py').decode('utf-8')
        except KeyError:
            return None
    floor = None
    line = None
    for m in _MIN_REDIS.finditer(text):
        v = '.'.join(g for g in (m.group(1), m.group(2), m.group(3) or '0'))
        if floor is None or Version(v) > Version(floor):
            floor, line = v, text.count('\n', 0, m.start()) + 1
    # module-level imports only (no indentation): those run when the transport is loaded
    stdlib = set(getattr(sys, 'stdlib_module_names', ()))
    imports = sorted({(m.group(1) or m.group(2)) for m in _IMPORT.finditer(text)}
                     - stdlib - {'kombu', 'vine', 'amqp', '__future__', 'redis'})
    return {'minRedis': floor, **({'minRedisLine': line} if line else {}), 'imports': imports,
            'source': f'{whl.name}:kombu/transport/redis.py' + (f':{line}' if line else '')}


def package_versions(name: str, index: dict, minimum: str) -> list[dict]:
    out = []
    for v in final_versions(index, minimum):
        files = release_files(index, name, v)
        if not files:
            continue
        rp = next((f.get('requires-python') for f in files if f.get('requires-python')), None)
        yanked = all(bool(f.get('yanked')) for f in files)
        out.append({'version': str(v), 'requiresPython': rp or None, **({'yanked': True} if yanked else {})})
    return out


def gen_dependency_data(cache: Path, out: Path, offline: bool, kombu_min: str) -> None:
    kombu_index = simple_index('kombu', cache, offline)
    transports = {}
    for v in final_versions(kombu_index, kombu_min):
        whl = wheel_of(release_files(kombu_index, 'kombu', v))
        if whl is None:
            continue
        facts = redis_transport_facts(download(whl, cache))
        if facts:
            transports[str(v)] = facts
    packages = {name: package_versions(name, simple_index(name, cache, offline), DEP_MIN.get(name, '0'))
                for name in DEP_PACKAGES}
    doc = {
        'about': 'Generated by scripts/gen-release-data.py (gen_dependency_data) from the PyPI simple index and '
                 'the kombu wheels; do not edit by hand (see docs/knowledge.md).',
        'kombuRedisTransport': transports,
        'packages': packages,
    }
    write_json_atomic(out, 'dependencies.json', doc)
    log(f'wrote {out / "dependencies.json"} ({len(transports)} kombu transports, '
        + ', '.join(f'{n} {len(v)}' for n, v in packages.items()) + ')')


# --------------------------------------------------------------------------------------------
# Celery 3.1.x and 4.x (src/knowledge/data/legacy-releases.json): what a plan FROM those releases needs.
# Kept in its own functions and output file: the 5.x data above is untouched by it. These wheels do not
# import on a current Python, so celery/app/defaults.py is executed standalone (celery.five and the
# celery.utils helpers it imports stubbed), and the CLI options are read from celery/bin/*.py as text.

LEGACY_MIN, LEGACY_MAX = '3.1.0', '5.0.0'
# the 5.x release the CLI of the old lines is compared with (5.0.6 is yanked)
CLI_TARGET = '5.0.5'

_LEGACY_STUBS = {
    **_STUBS,
    'celery/five.py': (
        'import functools\n'
        'def items(d):\n    return d.items()\n'
        'def keys(d):\n    return d.keys()\n'
        'def values(d):\n    return d.values()\n'
        'def python_2_unicode_compatible(c):\n    return c\n'
        'string_t = str\ntext_t = str\nlong_t = int\n'),
    'celery/utils/__init__.py': (
        "def strtobool(term, table=None):\n"
        "    return str(term).lower() in ('true', '1', 'yes', 'on', 'y')\n"),
}

_LEGACY_DUMP = r"""
import json, sys
from celery.app import defaults as d
names = {}
for name, opt in d.flatten(d.NAMESPACES):
    names[name] = {'type': getattr(opt, 'type', None) if isinstance(getattr(opt, 'type', None), str) else 'python',
                   'deprecated': bool(getattr(opt, 'deprecate_by', None))}
json.dump({'names': names, 'toNewKey': dict(getattr(d, '_TO_NEW_KEY', {}))}, sys.stdout)
"""

_OPT_CALL = re.compile(r"(?:add_argument|Option|click\.option|make_option)\(\s*((?:['\"]-{1,2}[A-Za-z0-9][\w-]*['\"]\s*,\s*)+)")
_OPT = re.compile(r"['\"](-{1,2}[A-Za-z0-9][\w-]*)['\"]")


def legacy_settings(whl: Path, newest_to_new: dict[str, str]) -> dict:
    """Setting names a 3.1/4.x release reads: `settings` (new-style names, mapped through the newest
    release's _TO_NEW_KEY for 3.1, whose defaults only know the old names) and `unmapped` (names of that
    release with no 5.x counterpart, i.e. removed since)."""
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(whl) as z:
        root = Path(tmp)
        for rel, text in _LEGACY_STUBS.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        (root / 'celery/app/defaults.py').write_bytes(z.read('celery/app/defaults.py'))
        env = dict(os.environ, PYTHONHASHSEED='0', PYTHONDONTWRITEBYTECODE='1', PYTHONPATH=str(root))
        r = _run([sys.executable, '-c', _LEGACY_DUMP], env=env)
        if r.returncode:
            raise RuntimeError(f'exec defaults.py of {whl.name}: {r.stderr.strip()[-600:]}')
        data = json.loads(r.stdout)
    has_new = bool(data['toNewKey'])
    settings, unmapped = set(), set()
    for name in data['names']:
        if has_new:
            settings.add(name)
        elif name in newest_to_new:
            settings.add(newest_to_new[name])
        else:
            unmapped.add(name)
    return {'settings': sorted(settings), 'unmapped': sorted(unmapped), 'oldStyleOnly': not has_new}


def cli_options(whl: Path, module: str) -> list[list[str]]:
    """Option groups (aliases of one option) declared in celery/bin/<module>.py of a wheel."""
    with zipfile.ZipFile(whl) as z:
        try:
            text = z.read(f'celery/bin/{module}.py').decode('utf-8')
        except KeyError:
            return []
    return [_OPT.findall(m.group(1)) for m in _OPT_CALL.finditer(text)]


def cli_changes(old_whl: Path, new_whl: Path, old_version: str) -> dict:
    """Options of `celery worker`/`celery beat` in an old release that the 5.x release no longer accepts:
    renamed (an alias of the same option survives) or removed."""
    out: dict = {'renamed': {}, 'removed': [], 'from': old_version, 'to': CLI_TARGET}
    for module in ('worker', 'beat'):
        new_groups = cli_options(new_whl, module)
        new_all = {o for g in new_groups for o in g}
        for g in cli_options(old_whl, module):
            for o in g:
                if o in new_all or not o.startswith('--'):
                    continue
                keep = [x for x in g if x in new_all and x.startswith('--')]
                flat = o.replace('-', '')
                same = [x for x in new_all if x.replace('-', '') == flat]
                if keep or same:
                    out['renamed'][o] = (keep or same)[0]
                elif o not in out['removed']:
                    out['removed'].append(o)
    out['removed'].sort()
    out['source'] = f'celery/bin/worker.py and beat.py of {old_whl.name} and {new_whl.name}'
    return out


def gen_legacy_data(cache: Path, out: Path, offline: bool) -> None:
    index = simple_index('celery', cache, offline)
    # the newest release's _TO_NEW_KEY, as the 5.x generation above recorded it
    newest_to_new = json.loads((out / 'settings.json').read_text())['oldToNew']
    target_whl = download(wheel_of(release_files(index, 'celery', Version(CLI_TARGET))), cache)
    releases, cli = [], {}
    versions = [v for v in final_versions(index, LEGACY_MIN) if v < Version(LEGACY_MAX)]
    for v in versions:
        whl_info = wheel_of(release_files(index, 'celery', v))
        if whl_info is None:
            log(f'celery {v}: no wheel on PyPI, skipped')
            continue
        whl = download(whl_info, cache)
        meta = read_wheel_metadata(whl)
        st = legacy_settings(whl, newest_to_new)
        releases.append({
            'version': str(v), **index_facts(index, 'celery', v),
            'requiresPython': meta['requiresPython'], 'pythonClassifiers': meta['pythonClassifiers'],
            'requires': meta['requires'], 'extras': meta['extras'], 'requiresDist': meta['requiresDist'],
            'settings': st['settings'], 'defaults': {},
            **({'removedSettings': st['unmapped']} if st['unmapped'] else {}),
            **({'oldStyleOnly': True} if st['oldStyleOnly'] else {}),
            'source': f'PyPI simple index + METADATA and celery/app/defaults.py of {whl_info["filename"]} '
                      f'(sha256 {whl_info.get("hashes", {}).get("sha256", "?")[:12]}; defaults.py executed standalone)',
        })
        line = '.'.join(str(v).split('.')[:2])
        cli[line] = cli_changes(whl, target_whl, str(v))  # the newest release of each line wins
        log(f'celery {v}: {len(st["settings"])} settings')
    doc = {
        'about': 'Generated by scripts/gen-release-data.py (gen_legacy_data) from the PyPI simple index and the '
                 'published wheels of Celery 3.1.x and 4.x; do not edit by hand (see docs/knowledge.md).',
        'celery': releases,
        'cli': cli,
    }
    write_json_atomic(out, 'legacy-releases.json', doc, ensure_ascii=False)
    log(f'wrote {out / "legacy-releases.json"} ({len(releases)} releases, CLI of lines {", ".join(cli)})')


# --------------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--only', action='append', default=[],
                    help='(re)extract only these Celery versions (repeatable or comma-separated); '
                         'all other releases come from the cache; the data files are rewritten')
    ap.add_argument('--out', default=str(ROOT / 'src' / 'knowledge' / 'data'), help='output directory')
    ap.add_argument('--cache', default=str(ROOT / '.cache' / 'gen-release-data'), help='cache directory')
    ap.add_argument('--min', default='5.0.0', help='oldest Celery release to examine (default 5.0.0)')
    ap.add_argument('--kombu-min', default='5.0.0', help='oldest kombu release to examine (default 5.0.0)')
    ap.add_argument('--jobs', type=int, default=3, help='releases processed in parallel (default 3)')
    ap.add_argument('--offline', action='store_true', help='use the cached PyPI index, do not fetch it')
    ap.add_argument('--no-import', action='store_true',
                    help='do not install releases; execute defaults.py from the wheel instead (fallback mode)')
    ap.add_argument('--force', action='store_true', help='ignore cached per-release records')
    ap.add_argument('--legacy-only', action='store_true',
                    help='only (re)write legacy-releases.json (Celery 3.1.x and 4.x, and their CLI against 5.0)')
    ap.add_argument('--deps-only', action='store_true',
                    help='only (re)write dependencies.json (kombu Redis transport facts, release lists)')
    args = ap.parse_args(argv)

    cache = Path(args.cache).resolve()
    out = Path(args.out).resolve()
    only = {v.strip() for chunk in args.only for v in chunk.split(',') if v.strip()}
    t0 = time.time()
    if args.legacy_only:
        gen_legacy_data(cache, out, args.offline)
        return 0
    if args.deps_only:
        gen_dependency_data(cache, out, args.offline, args.kombu_min)
        return 0

    celery_index = simple_index('celery', cache, args.offline)
    kombu_index = simple_index('kombu', cache, args.offline)
    celery_versions = final_versions(celery_index, args.min)
    kombu_versions = final_versions(kombu_index, args.kombu_min)
    log(f'PyPI: {len(celery_versions)} final celery releases {celery_versions[0]}..{celery_versions[-1]}, '
        f'{len(kombu_versions)} kombu releases {kombu_versions[0]}..{kombu_versions[-1]}')
    unknown = only - {str(v) for v in celery_versions}
    if unknown:
        log(f'--only: not a final celery release on PyPI: {", ".join(sorted(unknown))}')
        return 2

    def job(name: str, v: Version, with_settings: bool) -> dict | None:
        force = args.force or (name == 'celery' and str(v) in only)
        if only and name == 'celery' and str(v) not in only:
            rec_path = cache / 'records' / f'celery-{v}.json'
            if not rec_path.exists():
                log(f'celery {v}: not cached and not in --only; left out of the data')
                return None
            return json.loads(rec_path.read_text())
        return release_record(name, v, celery_index if name == 'celery' else kombu_index, cache,
                              with_settings, force, not args.no_import)

    celery_recs: list[dict] = []
    kombu_recs: list[dict] = []
    failures: list[str] = []
    with cf.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futs = {pool.submit(job, 'celery', v, True): ('celery', v) for v in celery_versions}
        futs.update({pool.submit(job, 'kombu', v, False): ('kombu', v) for v in kombu_versions})
        for fut in cf.as_completed(futs):
            name, v = futs[fut]
            try:
                rec = fut.result()
            except Exception as e:
                failures.append(f'{name} {v}: {e}')
                log(f'{name} {v}: FAILED: {e}')
                continue
            if rec is not None:
                (celery_recs if name == 'celery' else kombu_recs).append(rec)
    if not celery_recs:
        log('no celery release could be read')
        return 1
    assemble(celery_recs, kombu_recs, celery_index, kombu_index, out)
    gen_dependency_data(cache, out, args.offline, args.kombu_min)
    log(f'finished in {time.time() - t0:.0f}s' + (f'; {len(failures)} failures' if failures else ''))
    for f in failures:
        log('  ' + f)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
