#!/usr/bin/env bash
# Builds the sandbox image for OURO_SANDBOX=docker (docs/sandbox.md).
#
#   sandbox/image/build-image.sh [--online|--offline] [--force]
#
#   --online   (default) FROM python:3.11-slim, pulled from the registry
#   --offline  for machines that cannot pull base images: a Debian bookworm rootfs made with
#              debootstrap (minbase + python3 python3-venv libgomp1), `docker import`ed as
#              ouro-sandbox-base:bookworm (kept, so later builds skip this part), then the same
#              Dockerfile FROM it. Needs root, debootstrap and a Debian mirror; pip needs PyPI.
#   --force    rebuild even when the tag exists
#   --base-only  (implies --offline) make only the offline base image, not the sandbox image;
#              scripts/app-image.sh builds the application's offline base on it
#
# The tag is $OURO_SANDBOX_IMAGE, or ouro-sandbox:<hash of requirements.txt + Dockerfile> (the
# tag the driver looks for by default); when it exists the script does nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { printf '\033[1m[sandbox-image]\033[0m %s\n' "$*"; }
die() { say "error: $*" >&2; exit 1; }

mode=online
force=0
base_only=0
for arg in "$@"; do
  case "$arg" in
    --online) mode=online ;;
    --offline) mode=offline ;;
    --force) force=1 ;;
    --base-only) mode=offline; base_only=1 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) die "unknown argument: $arg (use --online, --offline, --base-only, --force)" ;;
  esac
done

REQS=sandbox/requirements.txt
DOCKERFILE=sandbox/image/Dockerfile
# Keep in step with sandbox/docker/image.ts (defaultImageTag).
hash=$(cat "$REQS" "$DOCKERFILE" | sha256sum | cut -c1-12)
tag="${OURO_SANDBOX_IMAGE:-ouro-sandbox:$hash}"
base_offline="${OURO_SANDBOX_BASE_IMAGE:-ouro-sandbox-base:bookworm}"
mirror="${OURO_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

command -v docker >/dev/null 2>&1 || die "the docker CLI is not installed (apt-get install docker.io)"
docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || die "no Docker daemon answers (DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock}); start dockerd or run scripts/docker-setup.sh"

if [ "$base_only" = 0 ] && [ "$force" = 0 ] && docker image inspect "$tag" >/dev/null 2>&1; then
  say "$tag is already built (requirements unchanged); nothing to do"
  exit 0
fi

started=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/ouro-image.XXXXXX")
rootfs_parent=""
cleanup() {
  rm -rf "$work"
  [ -n "$rootfs_parent" ] && rm -rf "$rootfs_parent"
  return 0
}
trap cleanup EXIT

# A tmpfs makes debootstrap several times faster on slow disks (thousands of small files and
# fsyncs); use /dev/shm when it allows exec and device nodes and has room.
rootfs_dir() {
  if [ -d /dev/shm ] && ! findmnt -n -o OPTIONS --target /dev/shm 2>/dev/null | grep -Eq '(^|,)(noexec|nodev)(,|$)'; then
    local free_kb
    free_kb=$(df -Pk /dev/shm | awk 'NR==2 {print $4}')
    if [ "${free_kb:-0}" -gt $((2 * 1024 * 1024)) ]; then
      mktemp -d /dev/shm/ouro-rootfs.XXXXXX
      return
    fi
  fi
  mktemp -d /var/tmp/ouro-rootfs.XXXXXX
}

# A base image is usable when its python3 can make a venv (a failed import leaves an empty one).
base_works() {
  docker run --rm --network none --entrypoint /usr/bin/python3 "$1" -c 'import venv, ensurepip' >/dev/null 2>&1
}

build_offline_base() {
  if [ "$force" = 0 ] && docker image inspect "$base_offline" >/dev/null 2>&1; then
    if base_works "$base_offline"; then
      say "base image $base_offline is already there"
      return
    fi
    say "base image $base_offline is broken; rebuilding it"
    docker rmi -f "$base_offline" >/dev/null 2>&1 || true
  fi
  [ "$(id -u)" = 0 ] || die "the offline build runs debootstrap, which needs root"
  command -v debootstrap >/dev/null 2>&1 || die "debootstrap is not installed (apt-get install debootstrap)"
  rootfs_parent=$(rootfs_dir)
  local rootfs="$rootfs_parent/rootfs"
  say "debootstrap bookworm (minbase + python3 python3-venv libgomp1) from $mirror into $rootfs"
  local t0
  t0=$(date +%s)
  if ! debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates,libgomp1 \
      bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1; then
    tail -n 30 "$work/debootstrap.log" >&2
    die "debootstrap failed (log above)"
  fi
  say "debootstrap took $(( $(date +%s) - t0 )) s"
  # The host's extra certificate authorities (a TLS-inspecting proxy's), so pip in the build
  # can reach PyPI the way the host does.
  if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
    chroot "$rootfs" update-ca-certificates >/dev/null 2>&1 || die "update-ca-certificates failed in the rootfs"
  fi
  chroot "$rootfs" apt-get clean >/dev/null 2>&1 || true
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/log/*.log "$rootfs"/tmp/* "$rootfs"/dev/* 2>/dev/null || true
  say "importing the rootfs as $base_offline"
  tar --numeric-owner -C "$rootfs" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["/bin/bash"]' \
    --message "ouro sandbox base: debootstrap bookworm minbase + python3" \
    - "$base_offline" >/dev/null
  if ! base_works "$base_offline"; then
    docker rmi -f "$base_offline" >/dev/null 2>&1 || true
    die "the imported base image $base_offline does not run python3"
  fi
  rm -rf "$rootfs_parent"
  rootfs_parent=""
}

base=python:3.11-slim
if [ "$mode" = offline ]; then
  build_offline_base
  base="$base_offline"
fi
[ "$base_only" = 1 ] && exit 0

cp "$REQS" "$work/requirements.txt"
cp "$DOCKERFILE" "$work/Dockerfile"
build_env=()
# Without the buildx plugin, the CLI's classic builder (a 20.10 engine has BuildKit, but a
# newer CLI needs buildx to drive it).
docker buildx version >/dev/null 2>&1 || build_env=(DOCKER_BUILDKIT=0)
say "building $tag FROM $base (pip install -r $REQS; a few minutes)"
t0=$(date +%s)
# --network host: pip needs PyPI during the build, and a daemon started with --bridge=none
# has no default build network.
if ! env "${build_env[@]}" docker build --network host --pull=false --force-rm \
    --build-arg BASE="$base" \
    --label ouro.requirements-hash="$hash" \
    --label ouro.build="$mode" \
    -t "$tag" "$work" >"$work/build.log" 2>&1; then
  tail -n 40 "$work/build.log" >&2
  die "docker build failed (log above)"
fi
say "docker build took $(( $(date +%s) - t0 )) s"
say "built $tag ($mode) in $(( $(date +%s) - started )) s; use it with OURO_SANDBOX=docker"
