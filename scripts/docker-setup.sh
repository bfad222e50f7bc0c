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
# Debian's docker.io ships the CLI without the compose plugin, and bookworm's own docker-compose
# is the Python v1 (1.29), which rejects the file's spec (depends_on `required`, `--wait`).
# Docker's release binaries live on GitHub, which CI cannot reach. So, in order:
#   1. Debian trixie's docker-compose package (Compose v2.26, one static Go binary needing only
#      libc >= 2.34, which bookworm has): fetched by apt from a private trixie source list (the
#      host's apt sources are not touched), checked against the signed index, unpacked with
#      dpkg-deb, not installed as a package. About 15 s.
#   2. Else Compose built from the Go module proxy at a pinned version (github.com/docker/compose/v5;
#      about 6 min on a loaded 2-core machine).
# Only `config`, `up --wait`, `ps`, `logs`, `run` and `down` are used: images are built by
# scripts/app-image.sh, since Compose builds through buildx, which Debian's docker.io lacks too.
plugin_dir="${OURO_COMPOSE_PLUGIN_DIR:-/usr/local/lib/docker/cli-plugins}"
compose_from_trixie() {
  local apt_dir="$1"
  mkdir -p "$apt_dir"/lists/partial "$apt_dir"/cache/archives/partial
  echo "deb ${OURO_DEBIAN_MIRROR:-http://deb.debian.org/debian} trixie main" >"$apt_dir/sources.list"
  # APT::Sandbox::User=root: the scratch folder is private to root, so apt downloads as root.
  local opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o Dir::Etc::sourceparts=/dev/null -o APT::Sandbox::User=root
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache")
  apt-get -qq "${opts[@]}" update >/dev/null \
    && (cd "$apt_dir" && apt-get -qq "${opts[@]}" download docker-compose >/dev/null) \
    && dpkg-deb -x "$apt_dir"/docker-compose_*.deb "$apt_dir/root" \
    && install -D -m 0755 "$apt_dir/root/usr/libexec/docker/cli-plugins/docker-compose" "$plugin_dir/docker-compose"
}
compose_from_go() {
  local gowork="$1" version=v5.6.0
  command -v go >/dev/null 2>&1 || { say "no Go to build compose with"; return 1; }
  # A module of its own: `go install pkg@version` refuses compose's go.mod (it has exclude directives).
  (cd "$gowork" && go mod init ouro-compose-build >/dev/null 2>&1 \
    && go get "github.com/docker/compose/v5/cmd@$version" \
    && go build -trimpath -ldflags "-s -w -X github.com/docker/compose/v5/internal.Version=$version" \
         -o docker-compose github.com/docker/compose/v5/cmd) >"$gowork/build.log" 2>&1 \
    || { tail -n 20 "$gowork/build.log"; return 1; }
  install -D -m 0755 "$gowork/docker-compose" "$plugin_dir/docker-compose"
}
if docker compose version >/dev/null 2>&1; then
  say "$(docker compose version)"
else
  t0=$(date +%s)
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/ouro-compose.XXXXXX")
  say "installing the docker compose plugin in $plugin_dir (Debian trixie's docker-compose)"
  if ! compose_from_trixie "$scratch/apt"; then
    say "Debian's package did not work; building Compose from the Go module proxy (minutes, once)"
    mkdir -p "$scratch/go"
    compose_from_go "$scratch/go" || { rm -rf "$scratch"; say "no docker compose: install Docker's compose plugin (docs/self-hosting.md)"; exit 1; }
  fi
  rm -rf "$scratch"
  docker compose version >/dev/null 2>&1 || { say "$plugin_dir/docker-compose is installed but \`docker compose\` does not find it"; exit 1; }
  say "$(docker compose version) ($(( $(date +%s) - t0 )) s)"
fi

# --- The application image, offline (scripts/app-image.sh; Docker's cache makes reruns quick) --
bash scripts/app-image.sh --offline
say "done in $(( $(date +%s) - started )) s"
