#!/usr/bin/env bash
# Makes sure a Docker engine answers on the default socket. Where none does, installs
# Debian's docker.io (if missing) and starts dockerd in the background. Idempotent.
set -euo pipefail

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  cat <<'USAGE'
Usage: npm run docker   (bash toolchain/ensure-docker.sh)

Ensures a Docker engine answers. If none does: installs Debian's docker.io with apt-get
(needs root) and starts dockerd in the background, logging to ~/.cache/meshwright/dockerd.log.
Does nothing when an engine already answers.
USAGE
  exit 0
fi

log_dir="${MESHWRIGHT_CACHE:-$HOME/.cache/meshwright}"
mkdir -p "$log_dir"

answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if command -v docker >/dev/null && answers; then
  echo "docker: engine $(docker version --format '{{.Server.Version}}') answers"
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
  echo "docker: starting dockerd (log: $log_dir/dockerd.log) …"
  nohup dockerd >"$log_dir/dockerd.log" 2>&1 &
fi

for _ in $(seq 1 60); do
  if answers; then
    echo "docker: engine $(docker version --format '{{.Server.Version}}') answers"
    exit 0
  fi
  sleep 0.5
done
echo "error: dockerd did not answer within 30 s; last log lines:" >&2
tail -5 "$log_dir/dockerd.log" >&2 || true
echo "fix: read $log_dir/dockerd.log" >&2
exit 1
