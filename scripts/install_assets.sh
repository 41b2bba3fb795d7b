#!/usr/bin/env bash
# Install the PWA's front-end libraries from npm (pinned in package-lock.json) and copy the
# files the app serves into pwa/static/vendor/ (git-ignored). No CDN is used anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
else
    npm install --no-audit --no-fund --loglevel=error
fi

VENDOR=pwa/static/vendor
rm -rf "$VENDOR"
mkdir -p "$VENDOR/leaflet/images" "$VENDOR/socket.io" "$VENDOR/axe-core" "$VENDOR/chart.js"

cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css "$VENDOR/leaflet/"
cp node_modules/leaflet/dist/images/*.png "$VENDOR/leaflet/images/"
cp node_modules/leaflet/LICENSE "$VENDOR/leaflet/LICENSE"
cp node_modules/socket.io-client/dist/socket.io.min.js "$VENDOR/socket.io/"
cp node_modules/socket.io-client/LICENSE "$VENDOR/socket.io/LICENSE"
# Chart.js: the monitoring charts of the coordinator app (UMD build, sets window.Chart).
cp node_modules/chart.js/dist/chart.umd.min.js "$VENDOR/chart.js/"
cp node_modules/chart.js/LICENSE.md "$VENDOR/chart.js/LICENSE.md"
# axe-core is only injected by the browser tests; it is not part of the app shell.
cp node_modules/axe-core/axe.min.js "$VENDOR/axe-core/"
cp node_modules/axe-core/LICENSE "$VENDOR/axe-core/LICENSE"

echo "front-end assets in $VENDOR:"
find "$VENDOR" -type f | sort
