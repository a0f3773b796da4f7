#!/usr/bin/env bash
# Install the Debian packages GeoCRM needs: PostgreSQL 15 + PostGIS 3 (the embedded
# database), GDAL's command-line tools (the tests open served vector tiles with them) and
# Chromium (the web app and the reports are tested in it, headless), the Noto fonts (the map
# labels' glyphs are rendered from them, `geocrm fonts build`), and Node.js + npm when
# the machine has none. Fast when they are already there: apt is only called for what is
# missing.
set -euo pipefail

PACKAGES=(postgresql-15 postgresql-15-postgis-3 gdal-bin chromium fonts-noto-core)

missing=()
for pkg in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# Node.js and npm build the web app; many machines have them already (not from Debian)
command -v npm >/dev/null || missing+=(nodejs npm)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ -n "${DATABASE_URL:-}" ] && ! command -v apt-get >/dev/null; then
    echo "note: ${missing[*]} not installed; fine, DATABASE_URL points at another server." >&2
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then SUDO="sudo"; else
        echo "GeoCRM needs these Debian packages: ${missing[*]}" >&2
        echo "Install them as root: apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
# Debian starts a cluster of its own on install; GeoCRM does not use it (it owns one).
