#!/usr/bin/env bash
# Builds the aimodels server and the fake OpenRouter into a temp dir, installs
# the suite's npm dependencies and runs the browser tests in headless Chromium.
# Exit code = the suite's result. Usage: test/browser/run.sh (from anywhere).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="$(mktemp -d "${TMPDIR:-/tmp}/aimodels-browser-bin.XXXXXX")"
trap 'rm -rf "$bin"' EXIT

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "run.sh: installing Debian's chromium" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "run.sh: $chromium not found; install chromium or set CHROMIUM_PATH" >&2
    exit 1
  fi
fi

echo "run.sh: building binaries into $bin" >&2
(cd "$root" && go build -o "$bin/aimodels" ./cmd/aimodels && go build -o "$bin/fakeopenrouter" ./test/openroutertest/cmd/fakeopenrouter)

cd "$here"
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi

export AIMODELS_BIN="$bin/aimodels"
export FAKE_OPENROUTER_BIN="$bin/fakeopenrouter"
export CHROMIUM_PATH="$chromium"
npm test
