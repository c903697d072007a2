#!/usr/bin/env bash
# One idempotent set-up for `npm run demo`, `npm test` and CI: the Debian packages that the Jupyter side needs
# and chromium (the report tests drive it through playwright-core, which downloads no browser), then the npm
# dependencies (better-sqlite3 compiles from source here, ~60 s, on the first install only).
set -euo pipefail
cd "$(dirname "$0")/.."
APT_PACKAGES="jupyter-server python3-ipykernel python3-pandas python3-sklearn python3-nbformat python3-nbclient jupyter-nbconvert python3-yaml python3-prov python3-scipy graphviz chromium"
missing=()
for p in $APT_PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ]; then
    echo "nbprov setup: installing ${missing[*]} (apt)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "nbprov setup: missing Debian packages. Run as root, then retry:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 2
  fi
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "nbprov setup: npm ci" >&2
  npm ci --no-audit --no-fund >/dev/null
fi
