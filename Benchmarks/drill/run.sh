#!/usr/bin/env bash
# Drill benchmarks (release build): the 72-hour Binjai flood drill (target < 1 s) and a
# 72-hour drill on the province-scale generated set with 30% of the posts closed
# (target < 10 s). The province scenario is written from Benchmarks/province's flood: a
# banjir emergency over the kecamatan of 25 kabupaten/kota, then the 6,000 flooded posts
# report TUTUP during the first two hours, the emergency ends at 70 h.
# Usage: bash Benchmarks/drill/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${TMPDIR:-/tmp}/posko-province
[ -d "$out/playbooks" ] || bash Benchmarks/province/generate.sh "$out"
swift build -c release --product posko >/dev/null
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
scenario=$out/latihan-banjir-30.yaml
python3 - "$out" "$scenario" <<'PY'
import csv, sys
out, scenario = sys.argv[1], sys.argv[2]
lines = [l.strip() for l in open(f"{out}/flood-30.txt") if l.strip() and not l.startswith("#")]
kabupaten, posts = set(lines[0].split()), lines[1:]
areas = sorted(r["kode"] for r in csv.DictReader(open(f"{out}/wilayah.csv")) if r["level"] == "kecamatan" and r["parent"] in kabupaten)
with open(scenario, "w") as f:
    f.write('# Latihan (data contoh): banjir provinsi, 30% pos tutup.\n')
    f.write('nama: "Banjir provinsi — 30% pos tutup"\nmulai: "2026-11-01T06:00:00+07:00"\ndurasi: 72h\nseed: 7\n')
    f.write('kanal:\n  sms: [kannel-utama]\n  webhook: [bpbd-provinsi]\nbalasan: { konfirmasi: 0.85, jeda: 20m }\ninjeksi:\n')
    f.write('  - { pada: 0m, nyatakan: { bahaya: banjir, wilayah: [%s], status: tanggap_darurat } }\n' % ", ".join(f'"{a}"' for a in areas))
    for i, p in enumerate(posts):
        f.write(f'  - {{ pada: {5 + (i * 115) // len(posts)}m, lapor: {{ pos: {p}, bidang: semua, status: tutup }} }}\n')
    f.write('  - { pada: 70h, akhiri: { darurat: 1 } }\n')
    f.write('harapan:\n  - { jenis: lurah_terinformasi, dalam: 15m }\n  - { jenis: cakupan, minimum: 0.8, dalam: 6h }\n')
PY
bin=.build/release/posko
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
$bin drill Playbooks/latihan/banjir-bingai.yaml --out "$tmp/binjai"
# One run with --stats first: where the time goes (steps, re-plans, seconds per phase).
$bin drill "$scenario" --playbooks "$out/playbooks" --wilayah "$out/wilayah.csv" --out "$tmp/province" --stats
hyperfine --warmup 1 --runs ${RUNS:-5} \
  -n "72 h Binjai flood drill" "$bin drill Playbooks/latihan/banjir-bingai.yaml --out $tmp/binjai" \
  -n "72 h province drill, 30% posts closed" "$bin drill $scenario --playbooks $out/playbooks --wilayah $out/wilayah.csv --out $tmp/province"
