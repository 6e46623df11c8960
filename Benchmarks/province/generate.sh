#!/bin/sh
# Generates the province-scale sample set used by the benchmarks (deterministic):
# 30 kabupaten/kota, 450 kecamatan, 5,400 kelurahan, 20,000 posts × 6 SPM fields,
# ~60,000 cadres, as playbook YAML + wilayah CSV.
#
# Usage: Benchmarks/province/generate.sh [OUT]      (default OUT: ./province-out)
# Then:  posko validate --wilayah OUT/wilayah.csv OUT/playbooks
#
# Builds a throwaway package (no dependencies) in ${TMPDIR:-/tmp}/posko-province-generator.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-province-out}
case "$out" in /*) ;; *) out="$(pwd)/$out" ;; esac
work=${POSKO_PROVINCE_DIR:-"${TMPDIR:-/tmp}/posko-province-generator"}

rm -rf "$work/Sources"
mkdir -p "$work/Sources/ProvinceGenerator"
cp "$here/ProvinceGenerator.swift" "$here/main.swift" "$work/Sources/ProvinceGenerator/"
cat > "$work/Package.swift" <<'PACKAGE'
// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "PoskoProvinceGenerator",
    platforms: [.macOS(.v15)],
    targets: [.executableTarget(name: "ProvinceGenerator")]
)
PACKAGE
cd "$work"
swift build -c release --product ProvinceGenerator
exec "$work/.build/release/ProvinceGenerator" "$out"
