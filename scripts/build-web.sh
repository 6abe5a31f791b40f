#!/usr/bin/env bash
# Build the static web client: install the pinned npm packages (web/package-lock.json) and
# vendor hls.js into web/vendor/. The output is plain static files under web/; nothing is
# served by Node. Skips `npm ci` when node_modules already matches the lock file.
set -euo pipefail
cd "$(dirname "$0")/../web"

if ! command -v npm >/dev/null; then
  echo "build-web: npm is required (Node.js 18+): install Node.js, then re-run" >&2
  exit 1
fi

stamp=node_modules/.tuber-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi

mkdir -p vendor
src=node_modules/hls.js/dist/hls.min.js
if [ ! -f vendor/hls.min.js ] || ! cmp -s "$src" vendor/hls.min.js; then
  cp "$src" vendor/hls.min.js
fi
echo "build-web: web/vendor/hls.min.js ($(node -p 'require("./node_modules/hls.js/package.json").version'))"
