#!/usr/bin/env bash
# `posko validate` on the province-scale set (450 playbooks, 20,000 posts, 60,000 cadres)
# against Yams alone composing the same files, in the same run (hyperfine). Figures: README.md
# Usage: bash Benchmarks/validate/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${TMPDIR:-/tmp}/posko-province
[ -d "$out/playbooks" ] || bash "$root/Benchmarks/province/generate.sh" "$out"
work=${TMPDIR:-/tmp}/posko-yams-baseline
mkdir -p "$work/Sources/YamsBaseline"
cp "$here/main.swift" "$work/Sources/YamsBaseline/main.swift"
cat > "$work/Package.swift" <<'PACKAGE'
// swift-tools-version:6.1
import PackageDescription
let package = Package(
    name: "YamsBaseline",
    dependencies: [.package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2")],
    targets: [.executableTarget(name: "YamsBaseline", dependencies: ["Yams"], swiftSettings: [.swiftLanguageMode(.v5)])]
)
PACKAGE
(cd "$work" && swift build -c release >/dev/null)
(cd "$root" && swift build -c release --product posko >/dev/null)
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
hyperfine --warmup 1 --runs 5 \
  -n "posko validate" "$root/.build/release/posko validate --wilayah $out/wilayah.csv $out/playbooks" \
  -n "Yams compose (no tag resolution)" "$work/.build/release/YamsBaseline $out/playbooks" \
  -n "Yams compose (default resolver)" "$work/.build/release/YamsBaseline --default-resolver $out/playbooks"
