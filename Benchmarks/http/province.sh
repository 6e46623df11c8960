#!/usr/bin/env bash
# The daemon on the province-scale generated set (450 playbooks, 20,000 posts, ~60,000
# cadres; Benchmarks/province/generate.sh), release build: time to READY, RSS idle, then a
# banjir emergency over 25 kabupaten/kota and 30% of the posts reported closed through the
# API (the flood of Benchmarks/planner), RSS once the plan has settled. Target: RSS < 300 MB.
# Runs with MALLOC_ARENA_MAX=2 like systemd/posko.service (POSKO_ENV= to run without).
# Usage: bash Benchmarks/http/province.sh   (POSKO_BIN=path/to/posko to measure another build)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${TMPDIR:-/tmp}/posko-province
[ -d "$out/playbooks" ] || bash Benchmarks/province/generate.sh "$out"
bin=${POSKO_BIN:-}
if [ -z "$bin" ]; then swift build -c release --product posko >/dev/null; bin=.build/release/posko; fi
dir=$(mktemp -d)
pid=
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
. Benchmarks/http/daemon.sh
port=18936
start=$(date +%s.%N)
DAEMON_ENV=${POSKO_ENV-MALLOC_ARENA_MAX=2} start_daemon "$dir" province "$bin" $port "$out/playbooks" "$out/wilayah.csv" bpbd-provinsi
pid=$daemon_pid
ready=$(date +%s.%N)
rss_idle=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
( while kill -0 $pid 2>/dev/null; do awk -v t=$(date +%s) '/VmRSS/ {print t, $2}' /proc/$pid/status; sleep 1; done ) > "$dir/rss.txt" &
python3 - "$port" "$out/flood-30.txt" "$out/wilayah.csv" <<'PY'
import csv, http.client, json, sys, time
port, flood, wilayah = int(sys.argv[1]), sys.argv[2], sys.argv[3]
lines = [l.strip() for l in open(flood) if l.strip() and not l.startswith("#")]
kabupaten, posts = set(lines[0].split()), lines[1:]
# An emergency names kecamatan or kelurahan: the kecamatan of those kabupaten/kota.
areas = sorted(r["kode"] for r in csv.DictReader(open(wilayah)) if r["level"] == "kecamatan" and r["parent"] in kabupaten)
c = http.client.HTTPConnection("127.0.0.1", port)
h = {"Authorization": "Bearer op-bench-token", "Content-Type": "application/json"}
def call(method, path, body=None):
    c.request(method, path, json.dumps(body) if body is not None else None, h)
    r = c.getresponse(); data = r.read()
    return r.status, data
s, d = call("POST", "/v1/emergencies", {"hazard": "banjir", "areas": areas, "status": "tanggap_darurat"})
assert s == 201, d[:300]
t = time.time()
for p in posts:
    s, d = call("POST", "/v1/reports", {"post": p, "bidang": "semua", "status": "tutup"})
    assert s == 201, d[:300]
print(f"{len(posts)} posts reported closed over one connection in {time.time() - t:.1f} s")
# Wait for the plan to cover the last report (the planner is debounced): the view names
# the plan version it used.
t = time.time()
while True:
    s, d = call("GET", "/v1/continuity")
    view = json.loads(d)
    if (view.get("planVersion") or 0) > 0 and time.time() - t > 3:
        break
    time.sleep(0.5)
print(f"continuity: coverage {view['totalServed'] / max(1, view['totalDemand']):.3f}, displaced {view['totalDisplaced']}, plan v{view['planVersion']}")
PY
# RSS at rest, once the daemon has trimmed malloc's free memory (MemoryTrimService, every
# 10 s): sampled every 0.5 s for 10 s from 12 s after the plan settled.
sleep 12
samples=()
for _ in $(seq 20); do samples+=("$(awk '/VmRSS/ {print $2}' /proc/$pid/status)"); sleep 0.5; done
rss_busy=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
read -r rss_min rss_now rss_max < <(printf '%s\n' "${samples[@]}" | sort -n | awk '{v[NR]=$1} END {print v[1], v[int((NR+1)/2)], v[NR]}')
# Then the whole plan once through the API (tens of MB of JSON): RSS after serving it.
plan_bytes=$(curl -s -H "Authorization: Bearer op-bench-token" "http://127.0.0.1:$port/v1/plan" | wc -c)
sleep 1
rss_plan=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
rss_plan_peak=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
echo
echo "| measure (province set) | value |"
echo "|---|---|"
echo "| start to READY | $(python3 -c "print(f'{($ready-$start):.2f} s')") |"
echo "| RSS idle after start | $((rss_idle / 1024)) MB |"
echo "| RSS at rest after the 30% flood and its plan: median (min–max) of 20 samples over 10 s | $((rss_now / 1024)) MB ($((rss_min / 1024))–$((rss_max / 1024))) |"
echo "| plans stored; line chunks, their JSON | $(python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); n=c.execute('select count(*) from plan').fetchone()[0]; k,b=c.execute('select count(*), coalesce(sum(length(body)),0) from plan_chunk').fetchone(); print(f'{n}; {k}, {b/1e6:.1f} MB')" "$dir/state-province/posko.sqlite") |"
echo "| database file | $(du -m "$dir/state-province/posko.sqlite" | cut -f1) MB |"
echo "| peak RSS (VmHWM) before serving the plan | $((rss_busy / 1024)) MB |"
echo "| RSS after GET /v1/plan ($((plan_bytes / 1000000)) MB of JSON); peak | $((rss_plan / 1024)) MB; $((rss_plan_peak / 1024)) MB |"
