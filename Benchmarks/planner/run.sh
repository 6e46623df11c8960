#!/bin/sh
# Planner benchmark (release build).
#
# Builds a throwaway package from this repository's PoskoCore sources (and Yams, which the
# playbook loader needs) plus Benchmarks/province/ProvinceGenerator.swift, and runs
# main.swift: a generated province of 20,000 posts × 6 fields (450 kecamatan, ~60,000
# cadres), 30% of the posts closed by one flood emergency, then
#   - ContinuityEvaluator.evaluate              (reported separately)
#   - PlanningIndex build
#   - full plan, no cache                        (target < 200 ms)
#   - re-plan with nothing changed
#   - incremental re-plans after one post changes (target < 10 ms)
# Medians over RUNS runs (default 7).
#
# Usage: Benchmarks/planner/run.sh        (RUNS=15 Benchmarks/planner/run.sh for more runs)
# The build directory is kept in ${TMPDIR:-/tmp}/posko-planner-benchmark so reruns are incremental.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${POSKO_PLANNER_BENCH_DIR:-"${TMPDIR:-/tmp}/posko-planner-benchmark"}

rm -rf "$work/Sources"
mkdir -p "$work/Sources/PlannerBenchmark"
cp -R "$root/Sources/PoskoCore" "$work/Sources/PoskoCore"
cp "$here/main.swift" "$root/Benchmarks/province/ProvinceGenerator.swift" "$work/Sources/PlannerBenchmark/"
[ -f "$root/Package.resolved" ] && cp "$root/Package.resolved" "$work/Package.resolved"
cat > "$work/Package.swift" <<'PACKAGE'
// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "PoskoPlannerBenchmark",
    platforms: [.macOS(.v15)],
    dependencies: [.package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2")],
    targets: [
        .target(name: "PoskoCore", dependencies: [.product(name: "Yams", package: "Yams")]),
        .executableTarget(name: "PlannerBenchmark", dependencies: ["PoskoCore"]),
    ]
)
PACKAGE
cd "$work"
swift build -c release --product PlannerBenchmark
exec "$work/.build/release/PlannerBenchmark"
