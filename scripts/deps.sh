#!/usr/bin/env bash
# Install the Debian packages jiceng needs to build, run and test, if missing.
# Idempotent: does nothing when everything is there. Works as root, else uses sudo.
set -euo pipefail

packages=(
    build-essential pkg-config
    libh2o-evloop-dev libssl-dev zlib1g-dev libjansson-dev libsqlite3-dev libsodium-dev
    libcmocka-dev libxlsxwriter-dev libzip-dev libexpat1-dev libgeos-dev sqlite3 curl
    libpwquality-dev cracklib-runtime
    libpq-dev postgresql-15 postgresql-contrib
    python3 python3-pytest python3-pytest-xdist python3-requests python3-jsonschema python3-yaml python3-psycopg2
    chromium fonts-noto-cjk
    libcairo2-dev libpango1.0-dev poppler-utils
    clang libclang-rt-14-dev # the fuzzing harnesses (libFuzzer and the sanitizers' runtimes)
)

# The web console builds with Vite, which needs Node.js 20.19 or later (Debian 12's
# own nodejs is 18): use the machine's Node.js, and say so clearly if it is too old.
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a==20&&b>=19)?0:1)' 2>/dev/null; then
    echo "deps.sh: Node.js 20.19 or later is needed to build the web console (found: $(node --version 2>/dev/null || echo none))" >&2
    exit 1
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
else
    echo "deps.sh: need root or sudo to install ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
