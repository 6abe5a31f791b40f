#!/usr/bin/env bash
# ffmpeg/ffprobe (transcoding), Chromium (browser tests) and npm (web build) from Debian,
# when missing.
set -euo pipefail
missing=()
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || missing+=(ffmpeg)
command -v chromium >/dev/null || missing+=(chromium)
# npm builds the web client (vendors hls.js and Swagger UI from the npm registry).
command -v npm >/dev/null || missing+=(nodejs npm)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing from Debian: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
