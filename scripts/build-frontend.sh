#!/usr/bin/env bash
# Build the web map app (frontend/dist) from the npm registry's packages, pinned by
# frontend/package-lock.json. Fast when nothing changed: npm ci runs only when the lock file
# is newer than the installed packages, the bundle only when a source is newer than it.
set -euo pipefail
cd "$(dirname "$0")/../frontend"

if ! command -v npm >/dev/null; then
    echo "GeoCRM's web app needs Node.js and npm (Debian: apt-get install -y nodejs npm)" >&2
    exit 1
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
if [ ! -f dist/app.js ] || [ -n "$(find src build.mjs report-assets.json package-lock.json -newer dist/app.js | head -1)" ]; then
    npm run --silent build
fi
