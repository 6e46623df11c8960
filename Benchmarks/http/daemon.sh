# Sourced by the benchmarks. start_daemon DIR NAME BIN PORT [PLAYBOOKS WILAYAH WEBHOOK]: the
# daemon BIN on the Binjai sample playbooks (or the directory PLAYBOOKS, with the wilayah file
# WILAYAH and the webhook WEBHOOK its playbooks name) with its own state directory
# (DIR/state-NAME), the operator token `op-bench-token` (export POSKO_TOKEN for report.lua) and
# the webhook pointing to a closed port; environment from DAEMON_ENV. Returns once it is READY,
# with its pid in $daemon_pid.
start_daemon() {
  local dir=$1 name=$2 bin=$3 port=$4 playbooks=${5:-$PWD/Playbooks} wilayah=${6:-} webhook=${7:-bpbd-binjai}
  mkdir -p "$dir/secrets"
  echo op-bench-token > "$dir/secrets/op"
  echo whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw > "$dir/secrets/wh"
  cat > "$dir/$name.yaml" <<YAML
listen: { host: 127.0.0.1, port: $port }
state_directory: $dir/state-$name
playbook_directory: $playbooks
${wilayah:+wilayah_file: $wilayah}
auth:
  tokens:
    - { name: bench, role: operator, file: $dir/secrets/op }
channels:
  webhooks:
    - { name: $webhook, url: "http://127.0.0.1:9/none", secret_files: [$dir/secrets/wh] }
YAML
  # shellcheck disable=SC2086
  env POSKO_LOG_LEVEL=warning ${DAEMON_ENV:-} "$bin" serve --config "$dir/$name.yaml" 2>"$dir/$name.log" &
  daemon_pid=$!
  until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do
    kill -0 "$daemon_pid" 2>/dev/null || { cat "$dir/$name.log"; return 1; }
    sleep 0.01
  done
}
