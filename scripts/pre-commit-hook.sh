#!/usr/bin/env bash
# pre-commit entry for the `jobctl-audit` hook (.pre-commit-hooks.yaml). pre-commit clones this
# repository into its cache and runs this script from there, with the user's repository as the
# working directory and the changed files as arguments. The first run installs and builds jobctl in
# that clone (npm ci + tsc, about a minute); later runs reuse the build.
#
# Why not `language: node`: pre-commit's node language installs the hook with
# `npm install -g git+file://<clone>`, which needs the `prepare` script (tsc) to build dist/. npm
# >= 11.16 skips prepare scripts of git dependencies unless allowed (and npm 12 blocks them), and even
# when allowed it runs prepare without devDependencies, so tsc is missing: the installed hook has no
# dist/ and every command is "not found".
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 22 ? 0 : 1)' 2>/dev/null; then
  echo "jobctl: Node.js >= 22 must be first on PATH for the pre-commit hook (found $(node --version 2>/dev/null || echo none))" >&2
  exit 2
fi
marker="$here/dist/.jobctl-built"
if [ ! -f "$marker" ]; then
  lock="$here/.jobctl-build.lock"
  # one build at a time when several repositories commit at once; mkdir is atomic
  for _ in $(seq 1 600); do mkdir "$lock" 2>/dev/null && break; sleep 1; done
  trap 'rmdir "$lock" 2>/dev/null || true' EXIT
  if [ ! -f "$marker" ]; then
    echo "jobctl: first run: installing and building jobctl in $here (once per hook version)" >&2
    (cd "$here" && npm ci --no-audit --no-fund --ignore-scripts >&2 && npm run build >&2) || { echo "jobctl: could not build jobctl in $here; see the npm output above" >&2; exit 2; }
    touch "$marker"
  fi
fi
exec node "$here/bin/run.js" audit "$@"
