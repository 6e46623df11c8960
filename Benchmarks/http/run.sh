#!/usr/bin/env bash
# HTTP benchmark of the daemon (release build) with wrk on loopback:
#   1. /healthz throughput (baseline), 2. durable report ingest (POST /v1/reports, committed
#   before the 201), both with 32 connections and again with 128, 3. p99 latency at a fixed 1,000 reports/s (wrk2-style rate via -R when
#   available, else a paced run), 4. RSS after load, 5. cold start to READY.
# Usage: bash Benchmarks/http/run.sh [seconds]   (prints a summary table at the end)
#        POSKO_BIN=/path/to/posko bash Benchmarks/http/run.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-10}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
# POSKO_BIN: a binary built elsewhere (to compare two builds); else this tree's release build.
bin=${POSKO_BIN:-.build/release/posko}
[ -n "${POSKO_BIN:-}" ] || swift build -c release --product posko >/dev/null
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
mkdir -p "$dir/secrets"
echo op-bench-token > "$dir/secrets/op"
echo whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw > "$dir/secrets/wh"
port=18931
cat > "$dir/posko.yaml" <<YAML
listen: { host: 127.0.0.1, port: $port }
state_directory: $dir/state
playbook_directory: $PWD/Playbooks
auth:
  tokens:
    - { name: bench, role: operator, file: $dir/secrets/op }
channels:
  webhooks:
    - { name: bpbd-binjai, url: "http://127.0.0.1:9/none", secret_files: [$dir/secrets/wh] }
YAML
start=$(date +%s.%N)
POSKO_LOG_LEVEL=warning $bin serve --config "$dir/posko.yaml" 2>"$dir/log" &
pid=$!
until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.005; done
ready=$(date +%s.%N)
export POSKO_TOKEN=op-bench-token
echo "== /healthz"
wrk -t2 -c32 -d${secs}s "http://127.0.0.1:$port/healthz" | tee "$dir/healthz.txt"
echo "== POST /v1/reports"
wrk -t2 -c32 -d${secs}s -s Benchmarks/http/report.lua --latency "http://127.0.0.1:$port" | tee "$dir/reports.txt"
# The same pair at 128 connections: a group commit's batch grows with the clients waiting on it.
echo "== /healthz, 128 connections"
wrk -t2 -c128 -d${secs}s "http://127.0.0.1:$port/healthz" | tee "$dir/healthz128.txt"
echo "== POST /v1/reports, 128 connections"
wrk -t2 -c128 -d${secs}s -s Benchmarks/http/report.lua --latency "http://127.0.0.1:$port" | tee "$dir/reports128.txt"
echo "== POST /v1/reports at ~1000/s (4 connections, paced by wrk's rate if supported)"
if wrk --help 2>&1 | grep -q -- "-R"; then
  wrk -t2 -c4 -d${secs}s -R1000 -s Benchmarks/http/report.lua --latency "http://127.0.0.1:$port" | tee "$dir/paced.txt"
else
  python3 Benchmarks/http/paced.py "http://127.0.0.1:$port/v1/reports" 1000 "$secs" | tee "$dir/paced.txt"
fi
rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
hz=$(awk '/Requests\/sec/ {print $2}' "$dir/healthz.txt")
rep=$(awk '/Requests\/sec/ {print $2}' "$dir/reports.txt")
hz128=$(awk '/Requests\/sec/ {print $2}' "$dir/healthz128.txt")
rep128=$(awk '/Requests\/sec/ {print $2}' "$dir/reports128.txt")
stored=$(sqlite3 "$dir/state/posko.sqlite" "select count(*) from event where kind='post.reported'" 2>/dev/null || echo "?")
echo
echo "| measure | value |"
echo "|---|---|"
echo "| cold start to READY | $(python3 -c "print(f'{($ready-$start)*1000:.0f} ms')") |"
echo "| /healthz req/s | $hz |"
echo "| reports req/s (durable) | $rep |"
echo "| reports / healthz | $(python3 -c "print(f'{$rep/$hz:.2f}')") |"
echo "| at 128 connections: /healthz, reports, ratio | $hz128, $rep128, $(python3 -c "print(f'{$rep128/$hz128:.2f}')") |"
echo "| report p99 under full load | $(awk '/ 99%/ {print $2}' "$dir/reports.txt") |"
echo "| report p99 at ~1000/s | $(awk '/^p99/ {print $2} / 99%/ {print $2}' "$dir/paced.txt" | head -1) |"
echo "| RSS after load | $((rss / 1024)) MB |"
echo "| reports stored | $stored |"
