#!/usr/bin/env bash
# Makes sure a Docker engine answers on the default socket. Where none does, installs
# Debian's docker.io (if missing) and starts dockerd in the background. Idempotent.
set -euo pipefail

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  cat <<'USAGE'
Usage: npm run docker   (bash toolchain/ensure-docker.sh)

Ensures a Docker engine answers. If none does: installs Debian's docker.io with apt-get
(needs root) and starts dockerd in the background with --live-restore (containers keep
running while the engine restarts), logging to ~/.cache/meshwright/dockerd.log.
Does nothing but check when an engine already answers; warns when it runs without live-restore.
USAGE
  exit 0
fi

log_dir="${MESHWRIGHT_CACHE:-$HOME/.cache/meshwright}"
mkdir -p "$log_dir"

answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

live_restore_warning() {
  [[ "$(docker info --format '{{.LiveRestoreEnabled}}' 2>/dev/null)" == "true" ]] && return 0
  echo "warning: this Docker engine runs without live-restore: when it restarts, it stops every container, and an instance's app and sidecar (which share its network namespace) do not come back by their restart policy (moby issue 50326)" >&2
  echo "  fix: add \"live-restore\": true to /etc/docker/daemon.json, then sudo kill -HUP \$(pidof dockerd) (it reloads without a restart)" >&2
}

if command -v docker >/dev/null && answers; then
  echo "docker: engine $(docker version --format '{{.Server.Version}}') answers"
  live_restore_warning
  exit 0
fi

if ! command -v dockerd >/dev/null; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "error: no Docker engine and dockerd is not installed; fix: sudo apt-get install -y docker.io && sudo dockerd &" >&2
    exit 1
  fi
  echo "docker: installing Debian's docker.io …"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || { echo "error: apt-get update failed; fix: check access to Debian's package mirrors" >&2; exit 1; }
  apt-get install -y -qq docker.io >/dev/null || { echo "error: apt-get install docker.io failed; fix: run it by hand to see why" >&2; exit 1; }
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "error: no Docker engine answers and starting dockerd needs root; fix: sudo dockerd &" >&2
  exit 1
fi

if ! pgrep -x dockerd >/dev/null; then
  # live-restore: an engine restart (an upgrade, a crash) leaves the mesh's containers running.
  # Without it the engine stops them all, and containers that share another's network
  # namespace fail to start again ("cannot join network of a non running container").
  # The flag is refused when daemon.json sets the same option.
  flags=(--live-restore)
  grep -qs '"live-restore"' /etc/docker/daemon.json && flags=()
  echo "docker: starting dockerd ${flags[*]} (log: $log_dir/dockerd.log) …"
  nohup dockerd "${flags[@]}" >>"$log_dir/dockerd.log" 2>&1 &
fi

for _ in $(seq 1 60); do
  if answers; then
    echo "docker: engine $(docker version --format '{{.Server.Version}}') answers"
    live_restore_warning
    exit 0
  fi
  sleep 0.5
done
echo "error: dockerd did not answer within 30 s; last log lines:" >&2
tail -5 "$log_dir/dockerd.log" >&2 || true
echo "fix: read $log_dir/dockerd.log" >&2
exit 1
