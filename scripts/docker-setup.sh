#!/usr/bin/env bash
# Docker for OURO_SANDBOX=docker and its tests, on a Debian/Ubuntu machine, as root:
#   1. installs docker.io and debootstrap when missing,
#   2. starts a daemon when none answers (systemd's docker service when systemd runs; else
#      `dockerd --iptables=false --bridge=none` in the background, log in
#      /var/log/ouro-dockerd.log: sandboxes use --network none, so no bridge is needed),
#   3. builds the sandbox image (sandbox/image/build-image.sh; offline by default, since CI
#      cannot pull base images; OURO_SANDBOX_BUILD=online for python:3.11-slim),
#   4. installs the docker compose plugin when missing (built from the Go module proxy) and
#      builds the application image and an offline Redis image (scripts/app-image.sh --offline)
#      for test/compose.test.ts.
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

# --- Docker Compose, for test/compose.test.ts (docs/self-hosting.md, "What CI runs") -------------
# Debian's docker.io ships the CLI without the compose plugin, and Debian bookworm's own
# docker-compose is the Python v1 (1.29), which rejects the file's spec (depends_on `required`,
# `--wait`). Docker's release binaries live on GitHub, which CI cannot reach; the Go module proxy
# can, so the plugin is built from github.com/docker/compose/v5 at a pinned version (about
# 2.5 min of CPU, 9 min wall on a loaded 2-core machine; Go's caches make later builds
# seconds). Only `config`, `up --wait`, `ps`, `logs` and `down` are used: builds go through
# scripts/app-image.sh, because Compose v5 builds only through buildx, which is missing too.
COMPOSE_VERSION=v5.6.0
plugin_dir="${OURO_COMPOSE_PLUGIN_DIR:-/usr/local/lib/docker/cli-plugins}"
if docker compose version >/dev/null 2>&1; then
  say "$(docker compose version)"
elif command -v go >/dev/null 2>&1; then
  say "building the docker compose plugin $COMPOSE_VERSION from the Go module proxy (minutes, once)"
  t0=$(date +%s)
  gowork=$(mktemp -d "${TMPDIR:-/tmp}/ouro-compose.XXXXXX")
  # A module of its own: `go install pkg@version` refuses compose's go.mod (it has exclude directives).
  if ! (cd "$gowork" && go mod init ouro-compose-build >/dev/null 2>&1 \
        && go get "github.com/docker/compose/v5/cmd@$COMPOSE_VERSION" \
        && go build -trimpath -ldflags "-s -w -X github.com/docker/compose/v5/internal.Version=$COMPOSE_VERSION" \
             -o docker-compose github.com/docker/compose/v5/cmd) >"$gowork/build.log" 2>&1; then
    tail -n 20 "$gowork/build.log"
    rm -rf "$gowork"
    say "building docker compose failed (log above); test/compose.test.ts will fail saying so"
    exit 1
  fi
  install -D -m 0755 "$gowork/docker-compose" "$plugin_dir/docker-compose"
  rm -rf "$gowork"
  say "$(docker compose version) in $plugin_dir ($(( $(date +%s) - t0 )) s)"
else
  say "no docker compose plugin and no Go to build one: install Docker's compose plugin (docs/self-hosting.md)"
  exit 1
fi

# --- The application image, offline (scripts/app-image.sh; Docker's cache makes reruns quick) --
bash scripts/app-image.sh --offline
say "done in $(( $(date +%s) - started )) s"
