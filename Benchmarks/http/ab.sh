#!/usr/bin/env bash
# Two builds under the same load at the same time: A and B serve side by side (each its own
# state directory, the Binjai sample playbooks), one `wrk -t1 -c16` each, started together, first
# on /healthz and then on POST /v1/reports, ROUNDS times. Both servers see the same box state,
# so B/A says what B changed; run one after the other, this box's speed moves by 20% between
# runs. One round still says little (the same build against itself: B/A 0.87–1.18 per round);
# the median of 8 rounds of 4 s came out at 1.001 (/healthz) and 1.004 (reports).
# Usage: A=/path/to/posko-a B=/path/to/posko-b bash Benchmarks/http/ab.sh [rounds] [seconds]
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${A:?A=path of the first build}" "${B:?B=path of the second build}"
rounds=${1:-5}
secs=${2:-4}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
dir=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$dir"' EXIT
. Benchmarks/http/daemon.sh
export POSKO_TOKEN=op-bench-token
start_daemon "$dir" a "$A" 18971
pids+=("$daemon_pid")
start_daemon "$dir" b "$B" 18972
pids+=("$daemon_pid")
for i in $(seq "$rounds"); do
  for kind in healthz reports; do
    if [ $kind = healthz ]; then script=(); path=/healthz; else script=(-s Benchmarks/http/report.lua); path=; fi
    wrk -t1 -c16 -d${secs}s "${script[@]}" "http://127.0.0.1:18971$path" > "$dir/a-$kind-$i.txt" &
    w=$!
    wrk -t1 -c16 -d${secs}s "${script[@]}" "http://127.0.0.1:18972$path" > "$dir/b-$kind-$i.txt"
    wait $w
  done
done
python3 - "$dir" "$rounds" <<'PY'
import re, statistics, sys
d, n = sys.argv[1], int(sys.argv[2])
def rps(f): return float(re.search(r"Requests/sec:\s+([\d.]+)", open(f).read()).group(1))
print("| round | /healthz A, B, B/A | reports A, B, B/A |")
print("|---|---|---|")
ratios = {"healthz": [], "reports": []}
for i in range(1, n + 1):
    cells = []
    for k in ("healthz", "reports"):
        a, b = rps(f"{d}/a-{k}-{i}.txt"), rps(f"{d}/b-{k}-{i}.txt")
        ratios[k].append(b / a)
        cells.append(f"{a:,.0f}, {b:,.0f}, {b / a:.3f}")
    print(f"| {i} | {cells[0]} | {cells[1]} |")
print(f"| **median B/A** | **{statistics.median(ratios['healthz']):.3f}** | **{statistics.median(ratios['reports']):.3f}** |")
PY
