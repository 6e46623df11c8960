#!/usr/bin/env bash
# Installs the system packages Posko needs to build, run and test, when they are missing.
set -euo pipefail
packages=(libsqlite3-dev libcurl4-openssl-dev zlib1g-dev libxml2-utils kannel kannel-extras systemd python3 chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # The kannel package tries to start its service; nothing should start on install.
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "setup: swift is not on PATH (expected Swift 6.3 at /opt/swift)" >&2; exit 1; }
python3 -c 'import networkx' 2>/dev/null || python3 -m pip install -q networkx
