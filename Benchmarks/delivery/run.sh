#!/usr/bin/env bash
# Delivery benchmarks, release build (see README.md):
#   1. webhook fan-out of 10,000 signed alerts to a local receiver   (target ≥ 2,000/s)
#   2. HTTP status report → SMS at Kannel's fake SMSC, p99              (target < 500 ms)
#   3. dispatcher RSS across 100,000 messages                           (target: flat)
# Usage: bash Benchmarks/delivery/run.sh   (needs Kannel: scripts/setup.sh installs it)
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product posko >/dev/null
swift build -c release --product DeliveryBenchmark >/dev/null
bin=.build/release/DeliveryBenchmark
echo "== 1. webhook fan-out"; $bin webhooks --count 10000 --concurrency 64
echo; echo "== 2. report → SMS"; $bin report-to-sms --rate 10 --seconds 30
echo; echo "== 3. outbox memory"; /usr/bin/time -f "max RSS %M KiB" $bin outbox-memory --count 100000 --chunk 10000
