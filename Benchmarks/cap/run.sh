#!/bin/sh
# CAP area-matching benchmark (release build).
#
# Builds a small throwaway package from this repository's CAP and Geo sources (so it does not
# build the whole server) and runs main.swift:
#   - parse the BMKG nowcast CSU20260924001 (150 polygons, 3,072 points)
#   - match it against Binjai's 37 kelurahan boundaries          (target < 5 ms)
#   - match it against a generated province of 6,000 kelurahan   (target < 100 ms)
#
# Usage: Benchmarks/cap/run.sh [path/to/shared/data]   (default: ../shared/data next to the repo)
# The build directory is kept in ${TMPDIR:-/tmp}/posko-cap-benchmark so reruns are incremental.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
data=${1:-"$root/../shared/data"}
work=${POSKO_CAP_BENCH_DIR:-"${TMPDIR:-/tmp}/posko-cap-benchmark"}

rm -rf "$work/Sources"
mkdir -p "$work/Sources/PoskoCore" "$work/Sources/PoskoDelivery" "$work/Sources/CAPBenchmark"
cp -R "$root/Sources/PoskoCore/CAP" "$root/Sources/PoskoCore/Geo" "$work/Sources/PoskoCore/"
# Geo uses Coordinate and WilayahTable from the domain folder.
for f in Coordinate Wilayah BinjaiWilayah; do
    cp "$root/Sources/PoskoCore/Domain/$f.swift" "$work/Sources/PoskoCore/"
done
cp -R "$root/Sources/PoskoDelivery/CAP" "$work/Sources/PoskoDelivery/"
cp "$here/main.swift" "$work/Sources/CAPBenchmark/main.swift"
cat > "$work/Package.swift" <<'PACKAGE'
// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "PoskoCAPBenchmark",
    platforms: [.macOS(.v15)],
    targets: [
        .target(name: "PoskoCore"),
        .target(name: "PoskoDelivery", dependencies: ["PoskoCore"]),
        .executableTarget(name: "CAPBenchmark", dependencies: ["PoskoCore", "PoskoDelivery"]),
    ]
)
PACKAGE
cd "$work"
swift build -c release --product CAPBenchmark
exec "$work/.build/release/CAPBenchmark" "$data"
