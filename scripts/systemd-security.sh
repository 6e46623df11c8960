#!/usr/bin/env bash
# Prints the `systemd-analyze security` exposure score of systemd/posko.service, reviewed
# offline (no running systemd needed), and the settings that still add exposure.
#
# Usage: scripts/systemd-security.sh [--full] [UNIT-FILE]
#   --full      print systemd-analyze's whole table
#   UNIT-FILE   default: systemd/posko.service
# Exits 1 when the exposure is above $POSKO_MAX_EXPOSURE (default 2.0), 2 on usage errors.
# Needs systemd-analyze (Debian package: systemd).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
full=0
if [[ "${1:-}" == "--full" ]]; then full=1; shift; fi
unit="${1:-$root/systemd/posko.service}"
max="${POSKO_MAX_EXPOSURE:-2.0}"

if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "systemd-analyze not found (Debian: apt-get install -y systemd)" >&2
    exit 2
fi
if [[ ! -f "$unit" ]]; then
    echo "no such unit file: $unit" >&2
    exit 2
fi

table="$(SYSTEMD_COLORS=0 SYSTEMD_PAGER=cat systemd-analyze security --offline=true --no-pager "$unit")"
if (( full )); then
    printf '%s\n\n' "$table"
else
    # Only the rows that still cost something.
    grep -E '^✗' <<<"$table" | sed -E 's/[[:space:]]{2,}/  /g' || true
    echo
fi

line="$(grep -E 'Overall exposure level for [^:]+: [0-9.]+' <<<"$table" || true)"
score="$(sed -E 's/.*Overall exposure level for [^:]+: ([0-9.]+).*/\1/' <<<"$line")"
if [[ -z "$line" || -z "$score" ]]; then
    echo "could not find the overall exposure in systemd-analyze's output" >&2
    exit 2
fi
verdict="$(sed -E 's/.*: [0-9.]+ ([A-Z]+).*/\1/' <<<"$line")"
echo "$(basename "$unit"): exposure $score $verdict (limit $max)"
if awk -v s="$score" -v m="$max" 'BEGIN { exit !(s > m) }'; then
    echo "exposure $score is above $max" >&2
    exit 1
fi
