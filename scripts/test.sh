#!/usr/bin/env bash
# The whole test suite: system packages first (Kannel, xmllint, systemd-analyze), then
# every Swift test. In CI (CI=true) a missing tool or ../shared file fails its test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --build-tests
# One test at a time: several suites are CPU-bound (planner, drills, solver) and would
# starve the servers other suites start on a 2-core machine.
swift test --skip-build --disable-xctest --no-parallel "$@"
