#!/usr/bin/env bash
# Docker for OURO_SANDBOX=docker and its tests, on a Debian/Ubuntu machine, as root:
#   1. installs docker.io and debootstrap when missing,
#   2. starts a daemon when none answers (systemd's docker service when systemd runs; else
#      `dockerd --iptables=false --bridge=none` in the background, log in
#      /var/log/ouro-dockerd.log: sandboxes use --network none, so no bridge is needed),
#   3. builds the sandbox image (sandbox/image/build-image.sh; offline by default, since CI
#      cannot pull base images; OURO_SANDBOX_BUILD=online for python:3.11-slim).
# scripts/setup.sh runs it when CI=true or OURO_DOCKER_TESTS=1. Safe to run again: every step
# skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[docker-setup]\033[0m %s\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
  say "not root: skipping. Install Docker, then run sandbox/image/build-image.sh (docs/sandbox.md)."
  exit 0
fi
started=$(date +%s)

need_apt=()
command -v dockerd >/dev/null 2>&1 || need_apt+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need_apt+=(debootstrap)
if [ ${#need_apt[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || { say "no apt-get: install ${need_apt[*]} yourself"; exit 1; }
  say "installing ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

daemon_answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if ! daemon_answers; then
  if [ -n "${DOCKER_HOST:-}" ]; then
    say "DOCKER_HOST=$DOCKER_HOST does not answer; not starting a local daemon in its place"
    exit 1
  fi
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    say "starting the docker service"
    systemctl start docker
  else
    say "starting dockerd (--iptables=false --bridge=none), log in /var/log/ouro-dockerd.log"
    # setsid + nohup: the daemon outlives this script and the shell that ran it.
    setsid nohup dockerd --iptables=false --bridge=none >/var/log/ouro-dockerd.log 2>&1 < /dev/null &
  fi
  for _ in $(seq 1 60); do
    daemon_answers && break
    sleep 0.5
  done
  if ! daemon_answers; then
    tail -n 20 /var/log/ouro-dockerd.log 2>/dev/null || true
    say "the Docker daemon did not come up (log above)"
    exit 1
  fi
fi
say "Docker $(docker version --format '{{.Server.Version}}') answers"

case "${OURO_SANDBOX_BUILD:-offline}" in
  online) bash sandbox/image/build-image.sh --online ;;
  *) bash sandbox/image/build-image.sh --offline ;;
esac
say "done in $(( $(date +%s) - started )) s"
