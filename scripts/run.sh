#!/usr/bin/env bash
# One command from a fresh clone to a running daemon: system packages, a release build,
# local secrets (random tokens) and `posko serve` on the embedded SQLite database with
# the sample Binjai playbooks. Stop it with Ctrl-C (SIGTERM/SIGINT shut down gracefully).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release --product posko
mkdir -p var/secrets && chmod 700 var/secrets
for name in admin.token operator.token viewer.token kannel.password webhook-bpbd.secret inbound-sms.secret; do
  f="var/secrets/$name"
  if [ ! -s "$f" ]; then
    case "$name" in
      webhook-*) printf 'whsec_%s\n' "$(head -c 32 /dev/urandom | base64 | tr -d '\n')" > "$f" ;;
      *) head -c 24 /dev/urandom | base64 | tr -d '/+=\n' > "$f"; echo >> "$f" ;;
    esac
    chmod 600 "$f"
  fi
done
.build/release/posko validate Playbooks
echo "posko: operator token is in var/secrets/operator.token; API on http://127.0.0.1:8080" >&2
exec .build/release/posko serve --config Config/posko.yaml "$@"
