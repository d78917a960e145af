#!/usr/bin/env bash
# Runs the browser suite alone, as `go test` runs it: TestBrowserSuite builds
# the aimodels server and the fake OpenRouter, runs npm ci here when
# node_modules is missing, and runs the suite in headless Chromium. This
# script only installs Debian's chromium first when it is missing (as root).
# Exit code = the suite's result. Usage: test/browser/run.sh (from anywhere).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

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

cd "$root"
# AIMODELS_REQUIRE_ALL=1: a missing node or npm fails instead of skipping.
CHROMIUM_PATH="$chromium" AIMODELS_REQUIRE_ALL=1 exec go test -count=1 -v -run '^TestBrowserSuite$' ./test/browser/
